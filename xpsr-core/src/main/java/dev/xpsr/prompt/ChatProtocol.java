package dev.xpsr.prompt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.xpsr.io.RgbImage;

import java.net.URI;

/** One chat protocol's request and response shapes; the HTTP exchange itself is {@link HttpCaptionClient}'s. */
interface ChatProtocol {
    /** The chat endpoint under the server's base URL. */
    URI endpoint(URI baseUrl);

    /** The request JSON asking {@code config.model()} to answer {@code instruction} about {@code image}. */
    ObjectNode request(ServerConfig config, String instruction, RgbImage image);

    /**
     * The answer text of a successful response.
     *
     * @throws IllegalArgumentException naming what is missing, when the JSON is not this protocol's answer
     */
    String answer(JsonNode response);

    /** The server's own error message in an error response, or null. */
    String errorMessage(JsonNode response);

    static ChatProtocol of(ServerProtocol protocol) {
        return switch (protocol) {
            case OPENAI -> new OpenAiChatProtocol();
            case OLLAMA -> new OllamaChatProtocol();
        };
    }

    /** {@code base} with {@code path} appended, whatever trailing slash {@code base} has. */
    static URI append(URI base, String path) {
        String s = base.toString();
        return URI.create((s.endsWith("/") ? s.substring(0, s.length() - 1) : s) + path);
    }
}
