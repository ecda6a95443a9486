package dev.xpsr.prompt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.xpsr.io.RgbImage;

import java.net.URI;

/**
 * Ollama's chat API: {@code POST <base>/api/chat} with
 * <pre>
 * {"model": M, "messages": [{"role": "user", "content": INSTRUCTION, "images": [PNG_BASE64]}],
 *  "stream": false, "options": {"num_predict": N, "temperature": T}}
 * </pre>
 * and the answer in {@code message.content}. Errors carry {@code {"error": "…"}}.
 */
final class OllamaChatProtocol implements ChatProtocol {
    @Override
    public URI endpoint(URI baseUrl) {
        return ChatProtocol.append(baseUrl, "/api/chat");
    }

    @Override
    public ObjectNode request(ServerConfig config, String instruction, RgbImage image) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("model", config.model());
        ObjectNode message = body.putArray("messages").addObject();
        message.put("role", "user");
        message.put("content", instruction);
        message.putArray("images").add(ImagePayload.pngBase64(image));
        body.put("stream", false);
        body.putObject("options").put("num_predict", config.maxTokens()).put("temperature", config.temperature());
        return body;
    }

    @Override
    public String answer(JsonNode response) {
        JsonNode content = response.path("message").path("content");
        if (!content.isTextual()) {
            throw new IllegalArgumentException("no \"message.content\" text in the response");
        }
        return content.asText();
    }

    @Override
    public String errorMessage(JsonNode response) {
        JsonNode error = response.path("error");
        return error.isTextual() ? error.asText() : null;
    }
}
