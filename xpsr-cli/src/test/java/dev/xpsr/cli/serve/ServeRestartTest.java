package dev.xpsr.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A restart loses nothing: a server holding jobs in every state is killed (SIGKILL, mid-restoration) and started
 * again on the same data folder; every accepted job completes, every finished one stays listed with its result,
 * and the job the kill cut runs again and gives the same bytes as an uninterrupted run with the same seed. A
 * second, orderly stop (SIGTERM) mid-run puts the running job back in the queue the same way.
 */
@Timeout(600)
class ServeRestartTest {
    /** Long enough to be killed mid-run; seeded, so every run gives the same bytes. */
    static final String SEEDED = "{\"steps\": 8, \"processSize\": 64, \"seed\": 11, \"caption\": \"a butterfly\"}";
    static final String QUICK = "{\"method\": \"bicubic-pil\"}";
    static final Duration WAIT = Duration.ofSeconds(180);
    @TempDir
    Path tmp;

    @Test
    void killedAndStoppedServersLoseNoJobAndRerunCutJobsToTheSameBytes() throws Exception {
        Path data = tmp.resolve("data");
        List<String> args = List.of("--demo", "--workers", "1", "--queue-capacity", "8");
        Map<String, String> expected = new LinkedHashMap<>();
        String cut;
        List<String> queued = new ArrayList<>();
        try (ServeProcess first = ServeProcess.start(data, args)) {
            ApiClient api = first.client();
            expected.put(finish(api, submit(api, TestImages.photo(), QUICK), "done"), "done");
            expected.put(finish(api, submit(api, TestImages.truncatedPhoto(), QUICK), "failed"), "failed");
            cut = submit(api, TestImages.photo(), SEEDED);
            String cancelled = submit(api, TestImages.photo(), QUICK);
            queued.add(submit(api, TestImages.photo(), QUICK));
            queued.add(submit(api, TestImages.photo(), QUICK.replace("pil", "matlab")));
            assertThat(api.delete("/api/jobs/" + cancelled).statusCode()).isEqualTo(200);
            expected.put(cancelled, "cancelled");
            api.await(cut, j -> j.path("progress").path("step").asInt() >= 2, WAIT);
            assertThat(states(api, queued)).containsOnly("queued");
            first.kill();
        }

        String reference;
        String stopped;
        try (ServeProcess second = ServeProcess.start(data, args)) {
            ApiClient api = second.client();
            assertThat(finish(api, cut, "done")).isEqualTo(cut);
            assertThat(api.job(cut).get("attempts").asInt()).as("the cut run started again").isEqualTo(2);
            for (String id : queued) {
                finish(api, id, "done");
            }
            expected.forEach((id, state) -> assertThat(api.job(id).get("state").asText()).as(id).isEqualTo(state));
            reference = finish(api, submit(api, TestImages.photo(), SEEDED), "done");
            assertThat(result(api, cut)).as("the rerun of the cut job gives the uninterrupted run's bytes")
                    .isEqualTo(result(api, reference));

            stopped = submit(api, TestImages.photo(), SEEDED);
            api.await(stopped, j -> j.path("progress").path("step").asInt() >= 2, WAIT);
            second.stop();
        }

        try (ServeProcess third = ServeProcess.start(data, args)) {
            ApiClient api = third.client();
            assertThat(finish(api, stopped, "done")).isEqualTo(stopped);
            assertThat(result(api, stopped)).as("a fresh process gives the same bytes")
                    .isEqualTo(result(api, reference));
            List<String> all = new ArrayList<>(expected.keySet());
            all.addAll(List.of(cut, reference, stopped));
            all.addAll(queued);
            JsonNode page = ApiClient.json(api.get("/api/jobs?limit=100"));
            List<String> listed = new ArrayList<>();
            page.get("jobs").forEach(j -> listed.add(j.get("id").asText()));
            assertThat(listed).containsExactlyInAnyOrderElementsOf(all);
            for (JsonNode job : page.get("jobs")) {
                if (job.get("state").asText().equals("done")) {
                    assertThat(api.getBytes(job.get("links").get("result").asText()).statusCode()).isEqualTo(200);
                }
            }
        }
    }

    private static String submit(ApiClient api, byte[] image, String options) {
        HttpResponse<String> r = api.submit(image, "photo.png", options);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        return ApiClient.json(r).get("id").asText();
    }

    private static String finish(ApiClient api, String id, String state) throws InterruptedException {
        assertThat(api.awaitFinished(id, WAIT).get("state").asText()).as("job " + id).isEqualTo(state);
        return id;
    }

    private static List<String> states(ApiClient api, List<String> ids) {
        return ids.stream().map(id -> api.job(id).get("state").asText()).toList();
    }

    private static byte[] result(ApiClient api, String id) {
        HttpResponse<byte[]> r = api.getBytes("/api/jobs/" + id + "/result");
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }
}
