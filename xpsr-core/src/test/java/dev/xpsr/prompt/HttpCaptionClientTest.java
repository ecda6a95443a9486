package dev.xpsr.prompt;

import com.fasterxml.jackson.databind.JsonNode;
import dev.xpsr.io.RgbImage;
import dev.xpsr.net.RetryPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Both protocols against local servers on 127.0.0.1, including every failure the issue lists. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpCaptionClientTest {
    private static final RgbImage IMAGE = RgbImage.filled(24, 16, 200, 120, 40);
    private final List<FakeModelServer> servers = new ArrayList<>();

    @AfterEach
    void stopServers() {
        servers.forEach(FakeModelServer::close);
    }

    private FakeModelServer server(FakeModelServer.Reply fallback) throws Exception {
        FakeModelServer s = new FakeModelServer(fallback);
        servers.add(s);
        return s;
    }

    private static FakeModelServer.Reply answer(ServerProtocol p, String content) {
        return p == ServerProtocol.OPENAI ? FakeModelServer.openAiAnswer(content)
                : FakeModelServer.ollamaAnswer(content);
    }

    /** Fast retries so failure tests take milliseconds. */
    private static ServerConfig config(ServerProtocol p, URI base) {
        return ServerConfig.of(p, base, "llava-test").withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5))
                .withRetry(new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(40), Duration.ofSeconds(10)));
    }

    private static HttpCaptionClient client(ServerConfig config) {
        return HttpCaptionClient.create(config, Map.of("XPSR_TEST_KEY", "sk-secret-123")::get, new Random(1));
    }

    private static CaptionException failure(HttpCaptionClient client) {
        try {
            client.caption(IMAGE, Instruction.HIGH_LEVEL);
        } catch (CaptionException e) {
            return e;
        }
        throw new AssertionError("expected a CaptionException");
    }

    private static void assertIsTheImage(String base64) throws Exception {
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(base64)));
        assertThat(png.getWidth()).isEqualTo(24);
        assertThat(png.getHeight()).isEqualTo(16);
        assertThat(png.getRGB(3, 5) & 0xFFFFFF).isEqualTo(200 << 16 | 120 << 8 | 40);
    }

    @Test
    void openAiRequestCarriesTheImageAsADataUrlAndTheInstructionAsText() throws Exception {
        FakeModelServer s = server(FakeModelServer.openAiAnswer(" A red square.\nNothing else. "));
        HttpCaptionClient c = client(config(ServerProtocol.OPENAI, s.baseUrl()));
        assertThat(c.caption(IMAGE, Instruction.HIGH_LEVEL)).isEqualTo("A red square. Nothing else.");
        FakeModelServer.Received r = s.received().get(0);
        assertThat(r.path()).isEqualTo("/v1/chat/completions");
        JsonNode body = r.body();
        assertThat(body.path("model").asText()).isEqualTo("llava-test");
        assertThat(body.path("stream").asBoolean(true)).isFalse();
        assertThat(body.path("max_tokens").asInt()).isEqualTo(300);
        assertThat(body.path("temperature").asDouble(-1)).isZero();
        JsonNode content = body.path("messages").get(0).path("content");
        assertThat(body.path("messages").get(0).path("role").asText()).isEqualTo("user");
        assertThat(content.get(0).path("type").asText()).isEqualTo("image_url");
        String url = content.get(0).path("image_url").path("url").asText();
        assertThat(url).startsWith("data:image/png;base64,");
        assertIsTheImage(url.substring("data:image/png;base64,".length()));
        assertThat(content.get(1).path("text").asText()).isEqualTo(
                "Please provide a descriptive summary of the content of this image.");
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
        assertThat(r.header("Authorization")).isNull();
    }

    @Test
    void ollamaRequestCarriesTheImageInImages() throws Exception {
        FakeModelServer s = server(FakeModelServer.ollamaAnswer("The image is blurry.\n\nOverall poor."));
        HttpCaptionClient c = client(config(ServerProtocol.OLLAMA, s.baseUrl()));
        assertThat(c.caption(IMAGE, Instruction.LOW_LEVEL)).isEqualTo("The image is blurry.  Overall poor.");
        FakeModelServer.Received r = s.received().get(0);
        assertThat(r.path()).isEqualTo("/api/chat");
        JsonNode message = r.body().path("messages").get(0);
        assertThat(message.path("content").asText()).isEqualTo("Describe and evaluate the quality of the image.");
        assertIsTheImage(message.path("images").get(0).asText());
        assertThat(r.body().path("stream").asBoolean(true)).isFalse();
        assertThat(r.body().path("options").path("num_predict").asInt()).isEqualTo(300);
        assertThat(r.body().path("options").path("temperature").asDouble(-1)).isZero();
    }

    @Test
    void baseUrlsWithAVersionOrASlashAreNotDoubled() {
        URI v1 = URI.create("http://127.0.0.1:8000/v1/");
        assertThat(client(config(ServerProtocol.OPENAI, v1)).endpoint())
                .hasToString("http://127.0.0.1:8000/v1/chat/completions");
        assertThat(client(config(ServerProtocol.OPENAI, URI.create("http://h:1/proxy/"))).endpoint())
                .hasToString("http://h:1/proxy/v1/chat/completions");
        assertThat(client(config(ServerProtocol.OLLAMA, URI.create("http://h:11434/"))).endpoint())
                .hasToString("http://h:11434/api/chat");
    }

    @Test
    void answerAfterTheAssistantMarkerIsKeptAndListContentIsJoined() throws Exception {
        FakeModelServer s = server(FakeModelServer.Reply.json(200, "{\"choices\":[{\"message\":{\"content\":["
                + "{\"type\":\"text\",\"text\":\"USER: describe ASSISTANT: \"},{\"type\":\"text\",\"text\":\"A dog.\"}]}}]}"));
        assertThat(client(config(ServerProtocol.OPENAI, s.baseUrl())).caption(IMAGE, Instruction.HIGH_LEVEL))
                .isEqualTo("A dog.");
    }

    @ParameterizedTest
    @EnumSource(ServerProtocol.class)
    void apiKeyFromTheEnvironmentIsSentButNeverShown(ServerProtocol p) throws Exception {
        FakeModelServer s = server(answer(p, "ok"));
        ServerConfig config = config(p, s.baseUrl()).withApiKeyVariable("XPSR_TEST_KEY");
        HttpCaptionClient c = client(config);
        c.caption(IMAGE, Instruction.HIGH_LEVEL);
        assertThat(s.received().get(0).header("Authorization")).isEqualTo("Bearer sk-secret-123");
        assertThat(c.describe() + c + config).doesNotContain("sk-secret-123").contains("XPSR_TEST_KEY");
        // a server that echoes the key back in its error
        s.fallback(FakeModelServer.Reply.json(401, "{\"error\":{\"message\":\"bad key sk-secret-123\"},"
                + "\"error_ollama\":1}"));
        s.fallback(FakeModelServer.Reply.json(401, p == ServerProtocol.OPENAI
                ? "{\"error\":{\"message\":\"bad key sk-secret-123\"}}" : "{\"error\":\"bad key sk-secret-123\"}"));
        CaptionException e = failure(c);
        assertThat(e.kind()).isEqualTo(CaptionException.Kind.REJECTED);
        assertThat(e.getMessage()).contains("HTTP 401", "bad key ***").doesNotContain("sk-secret-123");
    }

    @Test
    void missingKeyVariableIsAConfigurationError() {
        ServerConfig config = config(ServerProtocol.OPENAI, URI.create("http://127.0.0.1:9")).withApiKeyVariable(
                "XPSR_UNSET_VARIABLE");
        assertThatThrownBy(() -> client(config)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("XPSR_UNSET_VARIABLE");
    }

    @ParameterizedTest
    @EnumSource(ServerProtocol.class)
    void serverErrorsAreRetriedUntilAnAnswerComes(ServerProtocol p) throws Exception {
        FakeModelServer s = server(answer(p, "A cat."));
        s.script(FakeModelServer.Reply.json(500, "{\"error\":\"boom\"}"), FakeModelServer.Reply.json(502, "bad gateway"));
        assertThat(client(config(p, s.baseUrl())).caption(IMAGE, Instruction.HIGH_LEVEL)).isEqualTo("A cat.");
        assertThat(s.received()).hasSize(3);
    }

    @ParameterizedTest
    @EnumSource(ServerProtocol.class)
    void rateLimitWaitsForRetryAfter(ServerProtocol p) throws Exception {
        FakeModelServer s = server(answer(p, "A cat."));
        s.script(FakeModelServer.Reply.json(429, "{\"error\":\"slow down\"}").withHeader("Retry-After", "1"));
        long t0 = System.nanoTime();
        assertThat(client(config(p, s.baseUrl())).caption(IMAGE, Instruction.HIGH_LEVEL)).isEqualTo("A cat.");
        assertThat((System.nanoTime() - t0) / 1e9).isGreaterThanOrEqualTo(0.95);
        assertThat(s.received()).hasSize(2);
    }

    @Test
    void retryAfterBeyondTheBudgetGivesUpAtOnce() throws Exception {
        FakeModelServer s = server(FakeModelServer.Reply.json(429, "{\"error\":\"quota\"}")
                .withHeader("Retry-After", "3600"));
        long t0 = System.nanoTime();
        CaptionException e = failure(client(config(ServerProtocol.OLLAMA, s.baseUrl())));
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(5);
        assertThat(e.kind()).isEqualTo(CaptionException.Kind.RATE_LIMITED);
        assertThat(e.status()).isEqualTo(429);
        assertThat(e.getMessage()).contains("quota", "retry budget");
        assertThat(s.received()).hasSize(1);
    }

    @ParameterizedTest
    @EnumSource(ServerProtocol.class)
    void persistentServerErrorsStopAfterMaxAttempts(ServerProtocol p) throws Exception {
        FakeModelServer s = server(FakeModelServer.Reply.json(503, "{\"error\":{\"message\":\"overloaded\"}}"));
        CaptionException e = failure(client(config(p, s.baseUrl())));
        assertThat(e.kind()).isEqualTo(CaptionException.Kind.SERVER_ERROR);
        assertThat(e.attempts()).isEqualTo(3);
        assertThat(e.status()).isEqualTo(503);
        assertThat(e.getMessage()).contains("HTTP 503", "gave up after 3 attempts", s.baseUrl().toString());
        assertThat(s.received()).hasSize(3);
    }

    @Test
    void retriesAreBoundedInTimeByTheBudget() throws Exception {
        FakeModelServer s = server(FakeModelServer.Reply.json(503, "busy"));
        ServerConfig config = config(ServerProtocol.OPENAI, s.baseUrl())
                .withRetry(new RetryPolicy(1000, Duration.ofMillis(20), Duration.ofMillis(80), Duration.ofMillis(400)));
        long t0 = System.nanoTime();
        CaptionException e = failure(client(config));
        double seconds = (System.nanoTime() - t0) / 1e9;
        // 1000 attempts at up to 80 ms apart would take over a minute; the 0.4 s budget ends it in well under 5 s
        assertThat(seconds).isLessThan(5);
        assertThat(e.attempts()).isBetween(1, 40);
        assertThat(e.getMessage()).contains("retry budget");
    }

    @ParameterizedTest
    @EnumSource(ServerProtocol.class)
    void serverDownIsRetriedThenReportedAsUnreachable(ServerProtocol p) throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        CaptionException e = failure(client(config(p, URI.create("http://127.0.0.1:" + port))));
        assertThat(e.kind()).isEqualTo(CaptionException.Kind.UNREACHABLE);
        assertThat(e.attempts()).isEqualTo(3);
        assertThat(e.status()).isEqualTo(-1);
        assertThat(e.getMessage()).contains("127.0.0.1:" + port, "cannot connect");
    }

    @ParameterizedTest
    @EnumSource(ServerProtocol.class)
    void aSlowServerTimesOutAndIsRetried(ServerProtocol p) throws Exception {
        FakeModelServer s = server(answer(p, "late").delayed(5_000));
        ServerConfig config = config(p, s.baseUrl()).withTimeouts(Duration.ofSeconds(1), Duration.ofMillis(300));
        long t0 = System.nanoTime();
        CaptionException e = failure(client(config));
        // the server answers after 5 s; three attempts of 0.3 s each gave up long before
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(4);
        assertThat(e.kind()).isEqualTo(CaptionException.Kind.TIMEOUT);
        assertThat(e.attempts()).isEqualTo(3);
        assertThat(e.getMessage()).contains("no complete answer within", "gave up after 3 attempts");
        assertThat(s.received()).hasSize(3);
    }

    @Test
    void aRejectedImageFailsAtOnceWithTheServersReason() throws Exception {
        FakeModelServer s = server(FakeModelServer.Reply.json(400,
                "{\"error\":{\"message\":\"Invalid image: cannot identify image file\",\"type\":\"invalid_request\"}}"));
        CaptionException e = failure(client(config(ServerProtocol.OPENAI, s.baseUrl())));
        assertThat(e.kind()).isEqualTo(CaptionException.Kind.REJECTED);
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.attempts()).isEqualTo(1);
        assertThat(e.getMessage()).contains("HTTP 400: Invalid image: cannot identify image file");
    }

    @Test
    void aNotImplementedAnswerIsNotRetried() throws Exception {
        FakeModelServer s = server(FakeModelServer.Reply.json(501, "{\"error\":\"vision is not supported\"}"));
        CaptionException e = failure(client(config(ServerProtocol.OLLAMA, s.baseUrl())));
        assertThat(e.kind()).isEqualTo(CaptionException.Kind.SERVER_ERROR);
        assertThat(e.attempts()).isEqualTo(1);
        assertThat(s.received()).hasSize(1);
    }

    @Test
    void anUnknownOllamaModelIsRejected() throws Exception {
        FakeModelServer s = server(FakeModelServer.Reply.json(404, "{\"error\":\"model \\\"llava-test\\\" not found, "
                + "try pulling it first\"}"));
        CaptionException e = failure(client(config(ServerProtocol.OLLAMA, s.baseUrl())));
        assertThat(e.kind()).isEqualTo(CaptionException.Kind.REJECTED);
        assertThat(e.getMessage()).contains("HTTP 404: model \"llava-test\" not found");
    }

    @ParameterizedTest
    @EnumSource(ServerProtocol.class)
    void malformedAndEmptyJsonAreReported(ServerProtocol p) throws Exception {
        FakeModelServer s = server(FakeModelServer.Reply.json(200, "{}"));
        s.script(FakeModelServer.Reply.json(200, "this is not json {"), FakeModelServer.Reply.json(200, ""),
                FakeModelServer.Reply.json(200, "[1, 2]"), FakeModelServer.Reply.json(200, "{}"));
        HttpCaptionClient c = client(config(p, s.baseUrl()));
        String[] expected = {"not JSON", "body is empty", "not a JSON object",
                p == ServerProtocol.OPENAI ? "no \"choices\"" : "no \"message.content\""};
        for (String fragment : expected) {
            CaptionException e = failure(c);
            assertThat(e.kind()).isEqualTo(CaptionException.Kind.MALFORMED_RESPONSE);
            assertThat(e.attempts()).isEqualTo(1);
            assertThat(e.getMessage()).contains(fragment);
        }
        assertThat(s.received()).hasSize(4);
    }

    @ParameterizedTest
    @EnumSource(ServerProtocol.class)
    void anEmptyAnswerIsAnError(ServerProtocol p) throws Exception {
        FakeModelServer s = server(answer(p, " \n\t "));
        s.script(answer(p, "USER: hi ASSISTANT:  \n"));
        HttpCaptionClient c = client(config(p, s.baseUrl()));
        assertThat(failure(c).kind()).isEqualTo(CaptionException.Kind.EMPTY_ANSWER);
        assertThat(failure(c).kind()).isEqualTo(CaptionException.Kind.EMPTY_ANSWER);
    }

    @ParameterizedTest
    @EnumSource(ServerProtocol.class)
    void anAbsurdlyLongAnswerIsCutAtAWord(ServerProtocol p) throws Exception {
        FakeModelServer s = server(answer(p, "word ".repeat(40_000)));
        HttpCaptionClient c = client(config(p, s.baseUrl()).withLimits(300, 500, 4 << 20));
        String answer = c.caption(IMAGE, Instruction.HIGH_LEVEL);
        assertThat(answer).hasSizeLessThanOrEqualTo(500).endsWith("word").startsWith("word word");
    }

    @ParameterizedTest
    @EnumSource(ServerProtocol.class)
    void anOversizedResponseIsRefused(ServerProtocol p) throws Exception {
        FakeModelServer s = server(answer(p, "x".repeat(200_000)));
        HttpCaptionClient c = client(config(p, s.baseUrl()).withLimits(300, 500, 50_000));
        CaptionException e = failure(c);
        assertThat(e.kind()).isEqualTo(CaptionException.Kind.RESPONSE_TOO_LARGE);
        assertThat(e.getMessage()).contains("larger than 50000 bytes");
    }

    @Test
    void noMoreRequestsInFlightThanTheLimit() throws Exception {
        FakeModelServer s = server(FakeModelServer.openAiAnswer("A cat.").delayed(150));
        HttpCaptionClient c = client(config(ServerProtocol.OPENAI, s.baseUrl()).withMaxConcurrency(2));
        ExecutorService callers = Executors.newFixedThreadPool(6);
        try {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                answers.add(callers.submit(() -> c.caption(IMAGE, Instruction.HIGH_LEVEL)));
            }
            for (Future<String> a : answers) {
                assertThat(a.get(20, TimeUnit.SECONDS)).isEqualTo("A cat.");
            }
        } finally {
            callers.shutdownNow();
        }
        assertThat(s.received()).hasSize(6);
        assertThat(s.maxInFlight()).isBetween(1, 2);
    }

    @Test
    void anInterruptedCallerStopsWaiting() throws Exception {
        FakeModelServer s = server(FakeModelServer.openAiAnswer("late").delayed(10_000));
        HttpCaptionClient c = client(config(ServerProtocol.OPENAI, s.baseUrl())
                .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(30)));
        CaptionException[] thrown = new CaptionException[1];
        Thread caller = new Thread(() -> thrown[0] = failure(c));
        caller.start();
        Thread.sleep(300);
        caller.interrupt();
        caller.join(5_000);
        assertThat(caller.isAlive()).isFalse();
        assertThat(thrown[0].kind()).isEqualTo(CaptionException.Kind.INTERRUPTED);
    }
}
