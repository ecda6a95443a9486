package dev.xpsr.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The REST API of {@code xpsr serve --demo} over HTTP on 127.0.0.1, every status code it documents, against the
 * real server process (one worker, a queue of one, small upload and step limits so the limits are reached cheaply).
 */
@Timeout(300)
class ServeApiTest {
    /** XPSR demo settings that finish in a second or two on a 64 × 64 photo. */
    static final String QUICK = "{\"steps\": 4, \"processSize\": 64, \"seed\": 5, \"caption\": \"a butterfly\"}";
    /** Long enough to be seen running (and cancelled) on any machine. */
    static final String SLOW = "{\"steps\": 50, \"processSize\": 64, \"seed\": 5}";
    @TempDir
    static Path tmp;
    static ServeProcess server;
    static ApiClient api;

    @BeforeAll
    static void start() throws Exception {
        server = ServeProcess.start(tmp.resolve("data"), List.of("--demo", "--queue-capacity", "1", "--workers", "1",
                "--max-upload", "200K", "--max-steps", "50"));
        api = server.client();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void describesItselfServesThePageAndEveryDocumentedOperation() {
        HttpResponse<String> health = api.get("/api/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(ApiClient.json(health).get("status").asText()).isEqualTo("ok");

        JsonNode methods = ApiClient.json(api.get("/api/methods"));
        assertThat(methods.get("demo").asBoolean()).isTrue();
        assertThat(methods.get("defaultMethod").asText()).isEqualTo("xpsr");
        List<String> ids = new ArrayList<>();
        methods.get("methods").forEach(m -> ids.add(m.get("id").asText()));
        assertThat(ids).startsWith("xpsr").contains("realesrgan-x4plus", "rdn-slim", "rdn-medium");
        assertThat(methods.get("limits").get("maxSteps").asInt()).isEqualTo(50);

        HttpResponse<String> page = api.get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<title>xpsr serve</title>", "output is noise");
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(
                csp -> assertThat(csp).contains("default-src 'self'"));
        assertThat(page.headers().firstValue("Access-Control-Allow-Origin")).as("CORS is off by default").isEmpty();

        HttpResponse<String> openApi = api.get("/api/openapi.json");
        assertThat(openApi.statusCode()).isEqualTo(200);
        JsonNode paths = ApiClient.json(openApi).get("paths");
        List<String> operations = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> path = it.next();
            String url = path.getKey().replace("{id}", "0123456789abcdef01234567");
            for (String verb : List.of("get", "post", "delete")) {
                if (path.getValue().has(verb)) {
                    HttpResponse<String> r = api.send(api.request(url)
                            .method(verb.toUpperCase(), HttpRequest.BodyPublishers.noBody()).build());
                    assertThat(r.body()).as(verb + " " + url + " is served").doesNotContain("no such endpoint");
                    operations.add(verb.toUpperCase() + " " + path.getKey());
                }
            }
        }
        assertThat(operations).containsExactlyInAnyOrder("GET /api/health", "GET /api/openapi.json",
                "GET /api/methods", "POST /api/prompts", "POST /api/jobs", "GET /api/jobs", "GET /api/jobs/{id}",
                "DELETE /api/jobs/{id}", "GET /api/jobs/{id}/events", "GET /api/jobs/{id}/result",
                "GET /api/jobs/{id}/input");
    }

    @Test
    void aJobStreamsOrderedProgressAndPreviewsThenItsPngWithTheCliTextChunks() throws Exception {
        HttpResponse<String> submitted = api.submit(TestImages.photo(), TestImages.PHOTO_NAME, QUICK);
        assertThat(submitted.statusCode()).isEqualTo(202);
        String id = ApiClient.json(submitted).get("id").asText();
        assertThat(submitted.headers().firstValue("Location")).hasValue("/api/jobs/" + id);

        List<ApiClient.Event> events = api.events(id);
        assertThat(events.get(0).name()).isEqualTo("state");
        assertThat(events.get(events.size() - 1).name()).isEqualTo("state");
        assertThat(events.get(events.size() - 1).data().get("state").asText()).isEqualTo("done");
        List<Integer> steps = events.stream().filter(e -> e.name().equals("progress"))
                .filter(e -> e.data().get("stage").asText().equals("denoise"))
                .map(e -> e.data().get("step").asInt()).toList();
        assertThat(steps).as("denoising steps in order").containsSubsequence(1, 2, 3, 4).isSorted();
        assertThat(events).filteredOn(e -> e.name().equals("preview")).hasSize(4)
                .allSatisfy(e -> assertThat(e.data().get("image").asText()).startsWith("data:image/png;base64,"));

        JsonNode job = api.job(id);
        assertThat(job.get("state").asText()).isEqualTo("done");
        assertThat(job.get("seed").asLong()).isEqualTo(5);
        assertThat(job.get("settings").asText()).contains("steps=4", "seed=5", "sampler=ddpm", "colorFix=adain");
        assertThat(job.get("prompts").get("positive").asText()).startsWith("a butterfly");
        assertThat(job.get("prompts").get("source").asText()).contains("high-level argument", "low-level analyser");

        HttpResponse<byte[]> result = api.getBytes(job.get("links").get("result").asText());
        assertThat(result.statusCode()).isEqualTo(200);
        assertThat(result.headers().firstValue("Content-Type")).hasValue("image/png");
        Path png = Files.write(tmp.resolve(id + ".png"), result.body());
        RgbImage image = ImageFiles.read(png);
        assertThat(image.width()).isEqualTo(256);
        assertThat(image.height()).isEqualTo(256);
        Map<String, String> text = ImageFiles.readPngText(png);
        assertThat(text.keySet()).containsExactly("Software", "xpsr:method", "xpsr:prompt", "xpsr:negative_prompt",
                "xpsr:lowlevel_prompt", "xpsr:lowlevel_negative_prompt", "xpsr:prompt_source", "xpsr:seed",
                "xpsr:settings", "xpsr:fusion", "xpsr:placement");
        assertThat(text.get("xpsr:prompt")).isEqualTo(job.get("prompts").get("positive").asText());
        assertThat(text.get("xpsr:settings")).isEqualTo(job.get("settings").asText()).contains("processSize=64");

        assertThat(api.delete("/api/jobs/" + id).statusCode()).isEqualTo(204);
        assertThat(api.get("/api/jobs/" + id).statusCode()).isEqualTo(404);
        assertThat(api.get("/api/jobs/" + id + "/result").statusCode()).isEqualTo(404);
        assertThat(tmp.resolve("data/jobs/" + id)).doesNotExist();
    }

    @Test
    void aFullQueueAnswers429WithRetryAfterAndJobsCanBeCancelledQueuedOrRunning() throws Exception {
        String running = ApiClient.json(api.submit(TestImages.photo(), "slow.png", SLOW)).get("id").asText();
        api.await(running, j -> j.get("state").asText().equals("running"), Duration.ofSeconds(60));
        HttpResponse<String> queued = api.submit(TestImages.photo(), "queued.png", QUICK);
        assertThat(queued.statusCode()).isEqualTo(202);
        String waiting = ApiClient.json(queued).get("id").asText();

        HttpResponse<String> full = api.submit(TestImages.photo(), "third.png", QUICK);
        assertThat(full.statusCode()).isEqualTo(429);
        assertThat(full.headers().firstValue("Retry-After")).hasValueSatisfying(
                s -> assertThat(Long.parseLong(s)).isPositive());
        assertThat(ApiClient.json(full).get("error").asText()).contains("queue is full");

        assertThat(api.get("/api/jobs/" + waiting + "/result").statusCode()).isEqualTo(409);
        HttpResponse<String> cancelQueued = api.delete("/api/jobs/" + waiting);
        assertThat(cancelQueued.statusCode()).isEqualTo(200);
        assertThat(ApiClient.json(cancelQueued).get("state").asText()).isEqualTo("cancelled");

        HttpResponse<String> cancelRunning = api.delete("/api/jobs/" + running);
        assertThat(cancelRunning.statusCode()).isEqualTo(202);
        assertThat(ApiClient.json(cancelRunning).get("cancelRequested").asBoolean()).isTrue();
        JsonNode stopped = api.awaitFinished(running, Duration.ofSeconds(120));
        assertThat(stopped.get("state").asText()).isEqualTo("cancelled");
        HttpResponse<String> noResult = api.get("/api/jobs/" + running + "/result");
        assertThat(noResult.statusCode()).isEqualTo(409);
        assertThat(ApiClient.json(noResult).get("error").asText()).contains("cancelled");

        assertThat(api.delete("/api/jobs/" + running).statusCode()).isEqualTo(204);
        assertThat(api.delete("/api/jobs/" + waiting).statusCode()).isEqualTo(204);
    }

    @Test
    void aCorruptUploadIsAcceptedByItsHeaderAndFailsNamingTheFile() throws Exception {
        String id = ApiClient.json(api.submit(TestImages.truncatedPhoto(), "cut.png", "{\"method\": \"bicubic-pil\"}"))
                .get("id").asText();
        JsonNode job = api.awaitFinished(id, Duration.ofSeconds(60));
        assertThat(job.get("state").asText()).isEqualTo("failed");
        assertThat(job.get("error").asText()).contains("'cut.png'", "truncated").doesNotContain(tmp.toString());
        assertThat(api.get("/api/jobs/" + id + "/result").statusCode()).isEqualTo(409);
        assertThat(api.delete("/api/jobs/" + id).statusCode()).isEqualTo(204);
    }

    @Test
    void refusesUploadsAndOptionsWithTheStatusAndAMessageNamingTheProblem() {
        assertRefused(api.submit("just text".getBytes(), "notes.txt", null), 415, "'notes.txt' is not an image");
        assertRefused(api.send(api.request("/api/jobs").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build()), 415, "multipart/form-data");
        assertRefused(api.submit(new byte[300 * 1024], "huge.png", null), 413, "at most 204800 bytes");
        assertRefused(api.submit(TestImages.pngDeclaring(40_000), "bomb.png", null), 413,
                "40000x40000 = 1600000000 pixels, more than this server's limit of 4194304 pixels");

        byte[] photo = TestImages.photo();
        assertRefused(api.submit(photo, "a.png", "{\"steps\": \"many\"}"), 400, "options.steps must be an integer");
        assertRefused(api.submit(photo, "a.png", "{\"steps\": 51}"), 400, "options.steps must be between 1 and 50");
        assertRefused(api.submit(photo, "a.png", "{\"guidance\": -1}"), 400, "options.guidance must be");
        assertRefused(api.submit(photo, "a.png", "{\"sampler\": \"euler\"}"), 400, "options.sampler");
        assertRefused(api.submit(photo, "a.png", "{\"colorFix\": \"auto\"}"), 400, "options.colorFix");
        assertRefused(api.submit(photo, "a.png", "{\"stpes\": 4}"), 400, "unknown field 'stpes'");
        assertRefused(api.submit(photo, "a.png", "{\"method\": \"bicubic-lanczos\"}"), 400, "options.method");
        assertRefused(api.submit(photo, "a.png", "[4]"), 400, "options must be a JSON object");
        assertRefused(api.submit(photo, "a.png", "{\"steps\": 4"), 400, "options is not valid JSON");

        assertRefused(api.get("/api/jobs/0123456789abcdef01234567"), 404, "no job '0123456789abcdef01234567'");
        assertRefused(api.get("/api/jobs/not-a-job"), 404, "no job 'not-a-job'");
        assertRefused(api.get("/api/jobs?limit=0"), 400, "limit must be an integer between 1 and 100");
        assertRefused(api.get("/api/jobs?offset=x"), 400, "offset");
    }

    @Test
    void proposesPromptsForAnUploadFromTheAnalyser() {
        HttpResponse<String> r = api.send(api.multipart("/api/prompts", TestImages.photo(), "a.png", null));
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode proposal = ApiClient.json(r);
        assertThat(proposal.get("lowlevelPrompt").get("text").asText()).startsWith("The image");
        assertThat(proposal.get("lowlevelPrompt").get("source").asText()).startsWith("analyser");
        assertThat(proposal.get("caption").get("source").asText()).as("no caption server configured")
                .startsWith("none");
    }

    @Test
    void theEventStreamNeedsItsMediaTypeAndTheListIsPagedNewestFirst() throws Exception {
        String first = ApiClient.json(api.submit(TestImages.photo(), "one.png", "{\"method\": \"bicubic-pil\"}"))
                .get("id").asText();
        api.awaitFinished(first, Duration.ofSeconds(60));
        String second = ApiClient.json(api.submit(TestImages.photo(), "two.png", "{\"method\": \"bicubic-pil\"}"))
                .get("id").asText();
        api.awaitFinished(second, Duration.ofSeconds(60));

        assertRefused(api.get("/api/jobs/" + first + "/events"), 406, "Accept: text/event-stream");
        List<ApiClient.Event> finished = api.events(first);
        assertThat(finished).as("a finished job's stream is its state, then the end").hasSize(1);
        assertThat(finished.get(0).data().get("state").asText()).isEqualTo("done");

        JsonNode page = ApiClient.json(api.get("/api/jobs?limit=1"));
        assertThat(page.get("jobs")).hasSize(1);
        assertThat(page.get("jobs").get(0).get("id").asText()).isEqualTo(second);
        assertThat(page.get("total").asInt()).isGreaterThanOrEqualTo(2);
        JsonNode next = ApiClient.json(api.get(page.get("next").asText()));
        assertThat(next.get("jobs").get(0).get("id").asText()).isEqualTo(first);
        api.delete("/api/jobs/" + first);
        api.delete("/api/jobs/" + second);
    }

    private static void assertRefused(HttpResponse<String> r, int status, String message) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode body = ApiClient.json(r);
        assertThat(body.get("status").asInt()).isEqualTo(status);
        assertThat(body.get("error").asText()).contains(message);
    }
}
