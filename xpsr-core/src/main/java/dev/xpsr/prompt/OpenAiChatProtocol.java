package dev.xpsr.prompt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.xpsr.io.RgbImage;

import java.net.URI;

/**
 * OpenAI-compatible chat completions: {@code POST <base>/v1/chat/completions} (a base URL already ending in
 * {@code /v1} is not doubled) with
 * <pre>
 * {"model": M, "messages": [{"role": "user", "content": [
 *     {"type": "image_url", "image_url": {"url": "data:image/png;base64,…"}},
 *     {"type": "text", "text": INSTRUCTION}]}],
 *  "max_tokens": N, "temperature": T, "stream": false}
 * </pre>
 * and the answer in {@code choices[0].message.content} (a string, or a list of {@code {"type": "text"}} parts).
 * Errors carry {@code {"error": {"message": …}}}.
 */
final class OpenAiChatProtocol implements ChatProtocol {
    @Override
    public URI endpoint(URI baseUrl) {
        String path = baseUrl.getPath() == null ? "" : baseUrl.getPath();
        boolean hasVersion = path.endsWith("/v1") || path.endsWith("/v1/");
        return ChatProtocol.append(baseUrl, hasVersion ? "/chat/completions" : "/v1/chat/completions");
    }

    @Override
    public ObjectNode request(ServerConfig config, String instruction, RgbImage image) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ArrayNode content = f.arrayNode();
        // the image before the text, as in XPSR's "<image>\nUSER: …" prompt
        content.addObject().put("type", "image_url").putObject("image_url").put("url", ImagePayload.pngDataUrl(image));
        content.addObject().put("type", "text").put("text", instruction);
        ObjectNode body = f.objectNode();
        body.put("model", config.model());
        body.putArray("messages").addObject().put("role", "user").set("content", content);
        body.put("max_tokens", config.maxTokens());
        body.put("temperature", config.temperature());
        body.put("stream", false);
        return body;
    }

    @Override
    public String answer(JsonNode response) {
        JsonNode choices = response.path("choices");
        if (!choices.isArray() || choices.isEmpty()) {
            throw new IllegalArgumentException("no \"choices\" in the response");
        }
        JsonNode content = choices.get(0).path("message").path("content");
        if (content.isTextual()) {
            return content.asText();
        }
        if (content.isArray()) {
            StringBuilder text = new StringBuilder();
            content.forEach(part -> text.append(part.path("text").asText("")));
            return text.toString();
        }
        if (content.isNull()) {
            return "";
        }
        throw new IllegalArgumentException("no \"choices[0].message.content\" text in the response");
    }

    @Override
    public String errorMessage(JsonNode response) {
        JsonNode error = response.path("error");
        if (error.isTextual()) {
            return error.asText();
        }
        JsonNode message = error.path("message");
        return message.isTextual() ? message.asText() : null;
    }
}
