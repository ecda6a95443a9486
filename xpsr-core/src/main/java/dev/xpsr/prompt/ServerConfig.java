package dev.xpsr.prompt;

import dev.xpsr.net.RetryPolicy;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * How to reach one model server and how patiently. The API key is not held here, only the name of the
 * environment variable it is read from, so a config can be printed and logged freely.
 *
 * @param protocol         {@link ServerProtocol#OPENAI} or {@link ServerProtocol#OLLAMA}
 * @param baseUrl          e.g. {@code http://127.0.0.1:8000} or {@code http://127.0.0.1:8000/v1} (OpenAI),
 *                         {@code http://127.0.0.1:11434} (Ollama)
 * @param model            the model name the server knows (e.g. {@code llava-hf/llava-1.5-7b-hf}, {@code llava:7b})
 * @param apiKeyVariable   environment variable holding the API key, sent as {@code Authorization: Bearer};
 *                         null for none
 * @param connectTimeout   limit for opening a connection
 * @param requestTimeout   limit for one request, from sending to the whole answer received
 * @param retry            which failures are retried, how often, after what pause and within what time per caption
 *                         (the project's shared {@link RetryPolicy})
 * @param maxConcurrency   requests in flight at once through one client
 * @param maxTokens        generation limit sent to the server ({@code max_tokens} / {@code num_predict})
 * @param temperature      sampling temperature sent to the server; 0 is greedy, as XPSR's HF {@code generate}
 * @param maxAnswerChars   answers are cut (at a word boundary) to this many characters
 * @param maxResponseBytes responses larger than this are refused
 */
public record ServerConfig(ServerProtocol protocol, URI baseUrl, String model, String apiKeyVariable,
                           Duration connectTimeout, Duration requestTimeout, RetryPolicy retry, int maxConcurrency,
                           int maxTokens, double temperature, int maxAnswerChars, int maxResponseBytes) {

    public ServerConfig {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(baseUrl, "baseUrl");
        if (!"http".equals(baseUrl.getScheme()) && !"https".equals(baseUrl.getScheme())) {
            throw new IllegalArgumentException("server URL must be http:// or https://, got " + baseUrl);
        }
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("a model name is required");
        }
        positive(connectTimeout, "connectTimeout");
        positive(requestTimeout, "requestTimeout");
        Objects.requireNonNull(retry, "retry");
        if (maxConcurrency < 1 || maxTokens < 1 || maxAnswerChars < 1 || maxResponseBytes < 1) {
            throw new IllegalArgumentException("maxConcurrency, maxTokens, maxAnswerChars and maxResponseBytes must "
                    + "be at least 1");
        }
        if (!(temperature >= 0)) {
            throw new IllegalArgumentException("temperature must be ≥ 0, got " + temperature);
        }
    }

    /**
     * A config with the defaults: no API key, connect timeout 10 s, request timeout 120 s, retries per
     * {@link RetryPolicy#DEFAULT}, 2 requests at once, 300 tokens, temperature 0, answers up to 2000 characters,
     * responses up to 4 MiB.
     */
    public static ServerConfig of(ServerProtocol protocol, URI baseUrl, String model) {
        return new ServerConfig(protocol, baseUrl, model, null, Duration.ofSeconds(10), Duration.ofSeconds(120),
                RetryPolicy.DEFAULT, 2, 300, 0.0, 2000, 4 << 20);
    }

    public ServerConfig withModel(String name) {
        return new ServerConfig(protocol, baseUrl, name, apiKeyVariable, connectTimeout, requestTimeout, retry,
                maxConcurrency, maxTokens, temperature, maxAnswerChars, maxResponseBytes);
    }

    public ServerConfig withApiKeyVariable(String variable) {
        return new ServerConfig(protocol, baseUrl, model, variable, connectTimeout, requestTimeout, retry,
                maxConcurrency, maxTokens, temperature, maxAnswerChars, maxResponseBytes);
    }

    public ServerConfig withTimeouts(Duration connect, Duration request) {
        return new ServerConfig(protocol, baseUrl, model, apiKeyVariable, connect, request, retry, maxConcurrency,
                maxTokens, temperature, maxAnswerChars, maxResponseBytes);
    }

    public ServerConfig withRetry(RetryPolicy policy) {
        return new ServerConfig(protocol, baseUrl, model, apiKeyVariable, connectTimeout, requestTimeout, policy,
                maxConcurrency, maxTokens, temperature, maxAnswerChars, maxResponseBytes);
    }

    public ServerConfig withMaxConcurrency(int requests) {
        return new ServerConfig(protocol, baseUrl, model, apiKeyVariable, connectTimeout, requestTimeout, retry,
                requests, maxTokens, temperature, maxAnswerChars, maxResponseBytes);
    }

    public ServerConfig withLimits(int tokens, int answerChars, int responseBytes) {
        return new ServerConfig(protocol, baseUrl, model, apiKeyVariable, connectTimeout, requestTimeout, retry,
                maxConcurrency, tokens, temperature, answerChars, responseBytes);
    }

    public ServerConfig withTemperature(double value) {
        return new ServerConfig(protocol, baseUrl, model, apiKeyVariable, connectTimeout, requestTimeout, retry,
                maxConcurrency, maxTokens, value, maxAnswerChars, maxResponseBytes);
    }

    /** "openai http://host:8000 model llava" — what the CLI prints as the prompt source. */
    public String describe() {
        return protocol.name().toLowerCase(java.util.Locale.ROOT) + " " + baseUrl + " model " + model;
    }

    private static void positive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be a positive duration, got " + d);
        }
    }
}
