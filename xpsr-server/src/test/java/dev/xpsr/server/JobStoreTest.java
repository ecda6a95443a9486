package dev.xpsr.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JobStoreTest {
    static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
    @TempDir
    Path tmp;

    private JobStore open() {
        return JobStore.open(tmp.resolve("jobs.db"));
    }

    private static String insert(JobStore store, int n) {
        String id = String.format("%024x", n);
        store.insert(id, "photo-" + n + ".png", "input.png", "{\"method\":\"xpsr\"}", NOW.plusSeconds(n));
        return id;
    }

    @Test
    void aJobGoesFromQueuedThroughRunningToDoneAndIsThereAfterReopening() {
        String id;
        try (JobStore store = open()) {
            id = insert(store, 1);
            assertThat(store.get(id).orElseThrow().state()).isEqualTo(JobState.QUEUED);
            assertThat(store.claim(id, NOW)).isTrue();
            assertThat(store.claim(id, NOW)).as("a running job cannot be claimed again").isFalse();
            assertThat(store.done(id, "{\"source\":\"given\"}", 1.5, NOW.plusSeconds(2))).isTrue();
        }
        try (JobStore store = open()) {
            JobRecord job = store.get(id).orElseThrow();
            assertThat(job.state()).isEqualTo(JobState.DONE);
            assertThat(job.name()).isEqualTo("photo-1.png");
            assertThat(job.attempts()).isEqualTo(1);
            assertThat(job.prompts()).hasValue("{\"source\":\"given\"}");
            assertThat(job.seconds()).hasValue(1.5);
            assertThat(job.finishedAt()).hasValue(NOW.plusSeconds(2));
        }
    }

    @Test
    void aWorkerClaimingAndAClientCancellingAQueuedJobCannotBothWin() {
        try (JobStore store = open()) {
            String cancelledFirst = insert(store, 1);
            assertThat(store.cancelQueued(cancelledFirst, NOW)).isTrue();
            assertThat(store.claim(cancelledFirst, NOW)).isFalse();

            String claimedFirst = insert(store, 2);
            assertThat(store.claim(claimedFirst, NOW)).isTrue();
            assertThat(store.cancelQueued(claimedFirst, NOW)).isFalse();
            assertThat(store.requestCancel(claimedFirst)).isTrue();
            assertThat(store.get(claimedFirst).orElseThrow().cancelRequested()).isTrue();
        }
    }

    @Test
    void concurrentWorkersClaimEveryJobExactlyOnce() throws Exception {
        try (JobStore store = open()) {
            List<String> ids = IntStream.range(0, 200).mapToObj(n -> insert(store, n)).toList();
            ConcurrentLinkedQueue<String> claimed = new ConcurrentLinkedQueue<>();
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> workers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                Thread t = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (String id : ids) {
                        if (store.claim(id, NOW)) {
                            claimed.add(id);
                        }
                    }
                });
                workers.add(t);
                t.start();
            }
            go.countDown();
            for (Thread t : workers) {
                t.join();
            }
            assertThat(claimed).hasSize(200).doesNotHaveDuplicates();
            assertThat(store.count(JobState.RUNNING)).isEqualTo(200);
        }
    }

    @Test
    void recoveryRequeuesCutRunsInOrderAndCancelsThoseAClientAskedToStop() {
        try (JobStore store = open()) {
            String cut = insert(store, 1);
            String stopping = insert(store, 2);
            String waiting = insert(store, 3);
            String done = insert(store, 4);
            store.claim(cut, NOW);
            store.claim(stopping, NOW);
            store.requestCancel(stopping);
            store.claim(done, NOW);
            store.done(done, null, 1, NOW);

            assertThat(store.recover(NOW)).containsExactly(cut, waiting);
            assertThat(store.get(cut).orElseThrow().state()).isEqualTo(JobState.QUEUED);
            assertThat(store.get(cut).orElseThrow().startedAt()).isEmpty();
            assertThat(store.get(stopping).orElseThrow().state()).isEqualTo(JobState.CANCELLED);
            assertThat(store.get(done).orElseThrow().state()).isEqualTo(JobState.DONE);
        }
    }

    @Test
    void listsNewestFirstInPagesAndDeletesOnlyFinishedJobs() {
        try (JobStore store = open()) {
            List<String> ids = IntStream.range(0, 5).mapToObj(n -> insert(store, n)).toList();
            assertThat(store.list(2, 0)).extracting(JobRecord::id).containsExactly(ids.get(4), ids.get(3));
            assertThat(store.list(2, 4)).extracting(JobRecord::id).containsExactly(ids.get(0));
            assertThat(store.deleteFinished(ids.get(0))).as("a queued job is not deleted").isFalse();
            store.cancelQueued(ids.get(0), NOW);
            assertThat(store.deleteFinished(ids.get(0))).isTrue();
            assertThat(store.get(ids.get(0))).isEmpty();
            assertThat(store.count()).isEqualTo(4);
            assertThat(store.ids()).containsExactlyInAnyOrderElementsOf(ids.subList(1, 5));
        }
    }

    @Test
    void aDatabaseOfANewerServerIsRefusedNamingItsFileAndVersion() throws Exception {
        open().close();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + tmp.resolve("jobs.db"));
             Statement s = c.createStatement()) {
            s.executeUpdate("PRAGMA user_version = 7");
        }
        assertThatThrownBy(this::open).isInstanceOf(JobStore.JobStoreException.class)
                .hasMessageContaining(tmp.resolve("jobs.db").toString()).hasMessageContaining("schema version 7");
    }
}
