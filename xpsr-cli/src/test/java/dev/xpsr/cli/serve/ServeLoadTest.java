package dev.xpsr.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.xpsr.util.ProcessMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Four times the queue's capacity of Real-ESRGAN submissions (a 32 × 32 crop of a real photo) at once on loopback:
 * every submission is answered (202 or 429 with Retry-After), the queue fills to its capacity, every accepted job
 * completes (none lost), and the server's peak resident set stays under {@link #PEAK_RSS_BOUND} (decoded images
 * exist only for running jobs, so memory does not grow with the queue). The figures are printed and written to
 * {@code target/serve-load.txt}.
 */
@Timeout(300)
class ServeLoadTest {
    static final int CAPACITY = 8;
    static final int SUBMISSIONS = 4 * CAPACITY;
    /**
     * The server JVM runs with -Xmx768m; libtorch, the demo networks and the baselines' weights come on top (measured
     * on 2 cores: 461 MiB).
     */
    static final long PEAK_RSS_BOUND = 3L << 29;
    @TempDir
    Path tmp;

    @Test
    void fourTimesTheQueueCapacityAtOnceIsAnsweredAndLosesNoAcceptedJob() throws Exception {
        try (ServeProcess server = ServeProcess.start(tmp.resolve("data"), List.of("--demo", "--workers", "1",
                "--queue-capacity", Integer.toString(CAPACITY)))) {
            ApiClient api = server.client();
            byte[] photo = TestImages.photoCrop(32, tmp);
            long t0 = System.nanoTime();
            List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
            for (int i = 0; i < SUBMISSIONS; i++) {
                pending.add(api.submitAsync(photo, "load-" + i + ".png", "{\"method\": \"realesrgan-x4plus\"}"));
            }
            List<String> accepted = new ArrayList<>();
            int rejected = 0;
            for (CompletableFuture<HttpResponse<String>> f : pending) {
                HttpResponse<String> r = f.join();
                if (r.statusCode() == 202) {
                    accepted.add(ApiClient.json(r).get("id").asText());
                } else {
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
                    assertThat(r.headers().firstValue("Retry-After")).isPresent();
                    rejected++;
                }
            }
            double burstSeconds = (System.nanoTime() - t0) / 1e9;

            int completed = 0;
            for (String id : accepted) {
                JsonNode job = api.awaitFinished(id, Duration.ofSeconds(240));
                completed += job.get("state").asText().equals("done") ? 1 : 0;
            }
            double totalSeconds = (System.nanoTime() - t0) / 1e9;
            int listed = ApiClient.json(api.get("/api/jobs?limit=100")).get("total").asInt();
            int lost = accepted.size() - completed;
            long peak = server.peakRssBytes();

            String figures = String.format(Locale.ROOT, "xpsr serve load test: %d submissions at once (4 x capacity "
                            + "%d, 1 worker, Real-ESRGAN x4plus on a 32x32 photo crop, %d CPU cores): accepted %d, "
                            + "rejected with 429 %d, completed %d, lost %d, listed %d; answers in %.1f s, all done in "
                            + "%.1f s; server peak RSS %s (bound %s)%n", SUBMISSIONS, CAPACITY,
                    Runtime.getRuntime().availableProcessors(), accepted.size(), rejected, completed, lost, listed,
                    burstSeconds, totalSeconds, ProcessMemory.format(peak), ProcessMemory.format(PEAK_RSS_BOUND));
            System.out.print(figures);
            Files.writeString(Path.of("target", "serve-load.txt"), figures);

            assertThat(accepted.size() + rejected).isEqualTo(SUBMISSIONS);
            assertThat(accepted.size()).as("the queue fills to its capacity").isGreaterThanOrEqualTo(CAPACITY);
            assertThat(rejected).as("more than the queue holds is refused").isPositive();
            assertThat(lost).isZero();
            assertThat(listed).isEqualTo(accepted.size());
            assertThat(peak).isLessThan(PEAK_RSS_BOUND);
        }
    }
}
