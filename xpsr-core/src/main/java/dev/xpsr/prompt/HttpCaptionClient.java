package dev.xpsr.prompt;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.xpsr.io.RgbImage;
import dev.xpsr.net.RetryPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * A {@link CaptionClient} for a model server speaking one of the {@link ServerProtocol}s, on the JDK's
 * {@link HttpClient} and Jackson.
 *
 * <p>Per caption: the image goes as PNG in base64, the instruction as the user message; at most
 * {@link ServerConfig#maxConcurrency()} requests are in flight through one client; each request is limited to
 * {@link ServerConfig#requestTimeout()} for the whole answer and {@link ServerConfig#maxResponseBytes()} of body.
 * Failures are retried by the project's shared {@link RetryPolicy} ({@link ServerConfig#retry()}): 408, 429 and
 * 5xx answers (honouring {@code Retry-After}), connection failures and timeouts, within the policy's attempts and
 * budget, so one caption takes at most the budget plus one request timeout. Other 4xx, an unknown host, oversized,
 * malformed and empty answers fail at once with a {@link CaptionException}.
 *
 * <p>The API key is read once from the configured environment variable, sent only in the
 * {@code Authorization} header and never logged; server error texts are scrubbed of it before they reach a
 * message.
 */
public final class HttpCaptionClient implements CaptionClient {
    private static final Logger LOG = LoggerFactory.getLogger(HttpCaptionClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Longest piece of a server's error text quoted in a message. */
    private static final int QUOTE_CHARS = 300;

    private final ServerConfig config;
    private final ChatProtocol protocol;
    private final URI endpoint;
    private final String apiKey;
    private final HttpClient http;
    private final Semaphore permits;
    private final Random random;

    private HttpCaptionClient(ServerConfig config, String apiKey, Random random) {
        this.config = config;
        this.protocol = ChatProtocol.of(config.protocol());
        this.endpoint = protocol.endpoint(config.baseUrl());
        this.apiKey = apiKey;
        this.http = HttpClient.newBuilder().connectTimeout(config.connectTimeout())
                .version(HttpClient.Version.HTTP_1_1).followRedirects(HttpClient.Redirect.NORMAL).build();
        this.permits = new Semaphore(config.maxConcurrency(), true);
        this.random = random;
    }

    /** A client for {@code config}, its API key (if any) read from the process environment. */
    public static HttpCaptionClient create(ServerConfig config) {
        return create(config, System::getenv, new Random());
    }

    /**
     * A client whose API key comes from {@code environment} and whose jitter from {@code random}.
     *
     * @throws IllegalArgumentException when the configured key variable is unset or blank
     */
    static HttpCaptionClient create(ServerConfig config, Function<String, String> environment, Random random) {
        String key = null;
        if (config.apiKeyVariable() != null) {
            key = environment.apply(config.apiKeyVariable());
            if (key == null || key.isBlank()) {
                throw new IllegalArgumentException("the API key variable " + config.apiKeyVariable()
                        + " is not set in the environment");
            }
        }
        return new HttpCaptionClient(config, key, random);
    }

    @Override
    public String describe() {
        return config.describe();
    }

    /** The URL requests go to. */
    public URI endpoint() {
        return endpoint;
    }

    @Override
    public String toString() {
        return "HttpCaptionClient[" + describe() + "]";
    }

    @Override
    public String caption(RgbImage image, String instruction) throws CaptionException {
        byte[] request = requestBytes(image, instruction);
        RetryPolicy.Attempts attempts = config.retry().start(random);
        for (int attempt = 1; ; attempt++) {
            try {
                return send(request);
            } catch (AttemptFailed failed) {
                if (!failed.retryable) {
                    throw failed.toException(describe(), attempt, attempt == 1 ? "" : " (attempt " + attempt + ")");
                }
                Duration wait = attempts.next(failed.retryAfter);
                if (wait == null) {
                    throw failed.toException(describe(), attempt, " (" + attempts.givingUp() + ")");
                }
                LOG.debug("{}: attempt {} failed ({}), retrying in {} ms", describe(), attempt, failed.getMessage(),
                        wait.toMillis());
                sleep(wait, attempt);
            }
        }
    }

    private byte[] requestBytes(RgbImage image, String instruction) {
        try {
            return JSON.writeValueAsBytes(protocol.request(config, instruction, image));
        } catch (JsonProcessingException e) {
            // a tree of strings and numbers always serialises
            throw new IllegalStateException(e);
        }
    }

    /** One request under the concurrency limit. */
    private String send(byte[] body) throws AttemptFailed, CaptionException {
        acquire();
        try {
            return interpret(exchange(body));
        } finally {
            permits.release();
        }
    }

    private void acquire() throws CaptionException {
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CaptionException(CaptionException.Kind.INTERRUPTED, -1, 0, describe() + ": interrupted", e);
        }
    }

    private void sleep(Duration wait, int attempts) throws CaptionException {
        try {
            Thread.sleep(wait.toMillis(), wait.toNanosPart() % 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CaptionException(CaptionException.Kind.INTERRUPTED, -1, attempts, describe()
                    + ": interrupted while waiting to retry", e);
        }
    }

    private HttpResponse<byte[]> exchange(byte[] body) throws AttemptFailed {
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(config.requestTimeout())
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        CompletableFuture<HttpResponse<byte[]>> response = http.sendAsync(request.build(),
                info -> new BoundedBodySubscriber(config.maxResponseBytes()));
        try {
            // the request timeout only covers the headers; this bounds the body as well
            return response.get(config.requestTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            response.cancel(true);
            throw timeout(e);
        } catch (ExecutionException e) {
            throw classify(e.getCause());
        } catch (InterruptedException e) {
            response.cancel(true);
            Thread.currentThread().interrupt();
            throw new AttemptFailed(CaptionException.Kind.INTERRUPTED, -1, false, null, "interrupted", e);
        }
    }

    private AttemptFailed timeout(Exception cause) {
        return new AttemptFailed(CaptionException.Kind.TIMEOUT, -1, RetryPolicy.isRetryable(cause), null,
                "no complete answer within " + seconds(config.requestTimeout()), cause);
    }

    /** A failed exchange: what it means, and whether another try can help by the shared {@link RetryPolicy}. */
    private AttemptFailed classify(Throwable cause) {
        if (cause instanceof BoundedBodySubscriber.TooLarge) {
            // an I/O failure to the policy, but the same answer would come again
            return new AttemptFailed(CaptionException.Kind.RESPONSE_TOO_LARGE, -1, false, null, cause.getMessage(),
                    cause);
        }
        if (cause instanceof HttpConnectTimeoutException) {
            return unreachable("no connection within " + seconds(config.connectTimeout()), cause);
        }
        if (cause instanceof HttpTimeoutException) {
            return timeout((Exception) cause);
        }
        if (cause instanceof ConnectException) {
            return unreachable("cannot connect (" + messageOf(cause) + ")", cause);
        }
        if (cause instanceof IOException) {
            return unreachable("connection failed (" + messageOf(cause) + ")", cause);
        }
        return unreachable("request failed (" + messageOf(cause) + ")", cause);
    }

    private static AttemptFailed unreachable(String detail, Throwable cause) {
        return new AttemptFailed(CaptionException.Kind.UNREACHABLE, -1, RetryPolicy.isRetryable(cause), null, detail,
                cause);
    }

    /** The answer of a response, or why there is none. */
    private String interpret(HttpResponse<byte[]> response) throws AttemptFailed {
        int status = response.statusCode();
        byte[] body = response.body();
        if (status >= 200 && status < 300) {
            return answerOf(status, body);
        }
        String detail = "HTTP " + status + serverMessage(body);
        boolean retryable = RetryPolicy.isRetryable(status);
        Duration retryAfter = RetryPolicy.parseRetryAfter(response.headers().firstValue("Retry-After").orElse(null),
                Instant.now());
        if (status == 429) {
            throw new AttemptFailed(CaptionException.Kind.RATE_LIMITED, status, retryable, retryAfter, detail, null);
        }
        if (status == 408 || status >= 500) {
            throw new AttemptFailed(CaptionException.Kind.SERVER_ERROR, status, retryable, retryAfter, detail, null);
        }
        throw new AttemptFailed(CaptionException.Kind.REJECTED, status, false, null, detail, null);
    }

    private String answerOf(int status, byte[] body) throws AttemptFailed {
        if (body.length == 0) {
            throw malformed(status, "the response body is empty", null);
        }
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (IOException e) {
            throw malformed(status, "the response is not JSON: \"" + quote(body) + "\"", e);
        }
        if (json == null || !json.isObject()) {
            throw malformed(status, "the response is not a JSON object: \"" + quote(body) + "\"", null);
        }
        String raw;
        try {
            raw = protocol.answer(json);
        } catch (IllegalArgumentException e) {
            String server = protocol.errorMessage(json);
            throw malformed(status, e.getMessage() + (server == null ? "" : " (server says: " + redact(server) + ")"),
                    e);
        }
        String answer = CaptionText.clean(raw, config.maxAnswerChars());
        if (answer.isEmpty()) {
            throw new AttemptFailed(CaptionException.Kind.EMPTY_ANSWER, status, false, null,
                    "the model's answer is empty", null);
        }
        return answer;
    }

    private static AttemptFailed malformed(int status, String detail, Throwable cause) {
        return new AttemptFailed(CaptionException.Kind.MALFORMED_RESPONSE, status, false, null, detail, cause);
    }

    /** ": <the server's message>" from an error body (JSON or text), or "". */
    private String serverMessage(byte[] body) {
        if (body.length == 0) {
            return "";
        }
        try {
            JsonNode json = JSON.readTree(body);
            String message = json == null ? null : protocol.errorMessage(json);
            if (message != null) {
                return ": " + redact(message);
            }
        } catch (IOException notJson) {
            // fall through to the raw text
        }
        return ": " + quote(body);
    }

    /** The start of a body as one line of text, without the API key. */
    private String quote(byte[] body) {
        String text = new String(body, 0, Math.min(body.length, 4 * QUOTE_CHARS), StandardCharsets.UTF_8);
        return redact(CaptionText.bound(text.replaceAll("\\s+", " ").strip(), QUOTE_CHARS));
    }

    private String redact(String text) {
        return apiKey == null ? text : text.replace(apiKey, "***");
    }

    private static String messageOf(Throwable t) {
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.3g s", d.toNanos() / 1e9);
    }

    /** One failed request, before the retry decision. */
    private static final class AttemptFailed extends Exception {
        private final CaptionException.Kind kind;
        private final int status;
        private final boolean retryable;
        private final Duration retryAfter;

        AttemptFailed(CaptionException.Kind kind, int status, boolean retryable, Duration retryAfter, String detail,
                      Throwable cause) {
            super(detail, cause);
            this.kind = kind;
            this.status = status;
            this.retryable = retryable;
            this.retryAfter = retryAfter;
        }

        CaptionException toException(String server, int attempts, String suffix) {
            return new CaptionException(kind, status, attempts, server + ": " + getMessage() + suffix, getCause());
        }
    }
}
