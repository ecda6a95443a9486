package dev.xpsr.prompt;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.xpsr.io.RgbImage;
import dev.xpsr.net.RetryPolicy;
import dev.xpsr.testing.FuzzContract;
import dev.xpsr.testing.FuzzedHttpServer;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes what an MLLM server may answer ({@link HttpCaptionClient} with the OpenAI and the Ollama protocol): the
 * input is the answer's status line and headers, then its body ({@link FuzzContract#parts}), served from
 * 127.0.0.1. Any answer gives a caption within the configured length or a {@link CaptionException} naming the
 * server, within the retry budget whatever {@code Retry-After} says.
 */
class CaptionResponseFuzzTest {
    private static final FuzzedHttpServer SERVER = new FuzzedHttpServer();
    private static final RgbImage IMAGE = RgbImage.filled(8, 8, 120, 80, 40);
    private static final RetryPolicy QUICK_RETRY = new RetryPolicy(2, Duration.ofMillis(1), Duration.ofMillis(5),
            Duration.ofSeconds(2));
    private static final int MAX_ANSWER_CHARS = 500;
    /** One client per protocol for the whole run: each holds an HTTP client with its own threads. */
    private static final HttpCaptionClient OPENAI = client(ServerProtocol.OPENAI);
    private static final HttpCaptionClient OLLAMA = client(ServerProtocol.OLLAMA);

    @Timeout(60)
    @FuzzTest
    void openAiAnswersGiveACaptionOrAnErrorNamingTheServer(byte[] input) throws Exception {
        caption(OPENAI, input);
    }

    @Timeout(60)
    @FuzzTest
    void ollamaAnswersGiveACaptionOrAnErrorNamingTheServer(byte[] input) throws Exception {
        caption(OLLAMA, input);
    }

    private static HttpCaptionClient client(ServerProtocol protocol) {
        return HttpCaptionClient.create(ServerConfig.of(protocol, SERVER.baseUrl(), "llava")
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5)).withRetry(QUICK_RETRY)
                .withLimits(300, MAX_ANSWER_CHARS, 64 << 10));
    }

    private static void caption(HttpCaptionClient client, byte[] input) throws Exception {
        byte[][] parts = FuzzContract.parts(input, 2);
        FuzzedHttpServer.Answer answer = FuzzedHttpServer.Answer.parse(parts[0], parts[1]);
        SERVER.answer(request -> answer);
        String caption = FuzzContract.resultOrRefusal(() -> client.caption(IMAGE, "Describe the image."),
                CaptionException.class, client.describe());
        if (caption != null) {
            assertThat(caption).isNotBlank().hasSizeLessThanOrEqualTo(MAX_ANSWER_CHARS);
        }
    }
}
