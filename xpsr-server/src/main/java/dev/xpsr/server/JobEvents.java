package dev.xpsr.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.sse.SseClient;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The server-sent event streams of {@code GET /api/jobs/{id}/events}. Every send happens on one thread, in the order
 * the events were published, so a stream sees a job's events in order, and a slow client delays other streams but
 * never a restoration. A new stream first gets the job as it stands ({@code state}), then every later
 * {@code progress}, {@code preview} and {@code state} event; it is closed after the job's final state. A comment
 * every {@link #HEARTBEAT_SECONDS} keeps idle connections open and finds clients that went away.
 */
final class JobEvents implements AutoCloseable {
    static final int HEARTBEAT_SECONDS = 15;
    private final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "xpsr-events");
        t.setDaemon(true);
        return t;
    });
    /** Streams by job id; touched only on the sender thread. */
    private final Map<String, List<SseClient>> streams = new HashMap<>();
    private final AtomicInteger open = new AtomicInteger();
    private final int maxStreams;

    JobEvents(int maxStreams) {
        this.maxStreams = maxStreams;
        sender.scheduleWithFixedDelay(this::heartbeat, HEARTBEAT_SECONDS, HEARTBEAT_SECONDS, TimeUnit.SECONDS);
    }

    /** Reserves one stream; false when {@code maxStreams} are open. A reservation ends when its client closes. */
    boolean reserve() {
        if (open.incrementAndGet() > maxStreams) {
            open.decrementAndGet();
            return false;
        }
        return true;
    }

    /**
     * Starts a reserved stream for {@code jobId}: sends {@code snapshot} (the job now) as its first {@code state}
     * event, then the job's later events; closes it at once when the snapshot is final.
     */
    void subscribe(String jobId, SseClient client, Supplier<ObjectNode> snapshot) {
        client.keepAlive();
        client.onClose(() -> {
            open.decrementAndGet();
            onSender(() -> forget(jobId, client));
        });
        onSender(() -> {
            ObjectNode now;
            try {
                now = snapshot.get();
            } catch (RuntimeException e) {
                // the job was deleted since the request found it: nothing will follow
                client.close();
                return;
            }
            client.sendEvent("state", now.toString());
            if (JobState.parse(now.get("state").asText()).finished()) {
                client.close();
            } else if (!client.terminated()) {
                streams.computeIfAbsent(jobId, k -> new ArrayList<>()).add(client);
            }
        });
    }

    /** Sends an event to the job's streams; {@code last} closes them after it. */
    void publish(String jobId, String event, ObjectNode data, boolean last) {
        String text = data.toString();
        onSender(() -> {
            List<SseClient> clients = streams.get(jobId);
            if (clients == null) {
                return;
            }
            for (SseClient c : List.copyOf(clients)) {
                c.sendEvent(event, text);
                if (last) {
                    c.close();
                }
            }
        });
    }

    /** Runs {@code task} on the sender thread; nothing once the events are closed. */
    private void onSender(Runnable task) {
        try {
            sender.execute(task);
        } catch (RejectedExecutionException e) {
            // stopping: the streams are being closed anyway
        }
    }

    private void forget(String jobId, SseClient client) {
        List<SseClient> clients = streams.get(jobId);
        if (clients != null && clients.remove(client) && clients.isEmpty()) {
            streams.remove(jobId);
        }
    }

    private void heartbeat() {
        for (List<SseClient> clients : List.copyOf(streams.values())) {
            for (SseClient c : List.copyOf(clients)) {
                c.sendComment("heartbeat");
            }
        }
    }

    /** Closes every stream (the server is stopping). */
    @Override
    public void close() {
        sender.execute(() -> {
            for (List<SseClient> clients : List.copyOf(streams.values())) {
                List.copyOf(clients).forEach(SseClient::close);
            }
        });
        sender.shutdown();
        try {
            sender.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
