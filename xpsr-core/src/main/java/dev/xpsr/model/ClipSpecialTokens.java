package dev.xpsr.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The special tokens and padded length of a CLIP tokenizer folder, resolved as transformers 4.36's
 * {@code CLIPTokenizer.from_pretrained} resolves them: the class defaults ({@code <|startoftext|>} for bos,
 * {@code <|endoftext|>} for eos, unk and pad), overridden by {@code tokenizer_config.json}; when that file has no
 * {@code added_tokens_decoder} (the legacy layout every Stable Diffusion repository uses),
 * {@code special_tokens_map.json} overrides it in turn. SD-2.x ships {@code pad_token "<|endoftext|>"} in the
 * former and {@code "!"} in the latter, so it pads with {@code "!"} (id 0), where SD-1.5 pads with
 * {@code <|endoftext|>}. {@code model_max_length} gives the padded length (default 77).
 *
 * @param bos       begin-of-text token
 * @param eos       end-of-text token
 * @param unk       what tokens missing from the vocabulary become
 * @param pad       the padding token
 * @param maxLength {@code model_max_length}: the length every encoding is padded or truncated to
 */
public record ClipSpecialTokens(String bos, String eos, String unk, String pad, int maxLength) {
    /** CLIPTokenizer's defaults, SD-1.5's tokens. */
    public static final ClipSpecialTokens DEFAULTS = new ClipSpecialTokens(ClipTokenizer.BOS_TOKEN,
            ClipTokenizer.EOS_TOKEN, ClipTokenizer.EOS_TOKEN, ClipTokenizer.EOS_TOKEN,
            ClipTokenizer.DEFAULT_MAX_LENGTH);

    static final String CONFIG_FILE = "tokenizer_config.json";
    static final String MAP_FILE = "special_tokens_map.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    public ClipSpecialTokens {
        Objects.requireNonNull(bos, "bos");
        Objects.requireNonNull(eos, "eos");
        Objects.requireNonNull(unk, "unk");
        Objects.requireNonNull(pad, "pad");
        if (maxLength < 2) {
            throw new IllegalArgumentException("model_max_length must be >= 2 (BOS + EOS), got " + maxLength);
        }
    }

    /** What {@code dir}'s {@code tokenizer_config.json} and {@code special_tokens_map.json} say; both optional. */
    public static ClipSpecialTokens read(Path dir) throws IOException {
        Map<String, String> tokens = new LinkedHashMap<>(Map.of("bos_token", DEFAULTS.bos, "eos_token", DEFAULTS.eos,
                "unk_token", DEFAULTS.unk, "pad_token", DEFAULTS.pad));
        int maxLength = DEFAULTS.maxLength;
        JsonNode config = readObject(dir.resolve(CONFIG_FILE));
        if (config != null) {
            override(tokens, config, dir.resolve(CONFIG_FILE));
            maxLength = modelMaxLength(config, dir.resolve(CONFIG_FILE));
        }
        JsonNode map = readObject(dir.resolve(MAP_FILE));
        // transformers reads the map only for configs saved before added_tokens_decoder existed (legacy loading)
        if (map != null && (config == null || !config.has("added_tokens_decoder"))) {
            override(tokens, map, dir.resolve(MAP_FILE));
        }
        return new ClipSpecialTokens(tokens.get("bos_token"), tokens.get("eos_token"), tokens.get("unk_token"),
                tokens.get("pad_token"), maxLength);
    }

    /** The distinct tokens transformers adds to its split trie: the text is cut at each of them before BPE. */
    public List<String> added() {
        return List.of(bos, eos, unk, pad).stream().distinct().toList();
    }

    private static void override(Map<String, String> tokens, JsonNode file, Path path) {
        for (String key : List.copyOf(tokens.keySet())) {
            JsonNode value = file.get(key);
            if (value == null || value.isNull()) {
                continue;
            }
            // a plain string, or an AddedToken written as {"content": ..., "lstrip": ..., ...}
            JsonNode content = value.isObject() ? value.get("content") : value;
            if (content == null || !content.isTextual() || content.asText().isEmpty()) {
                throw new IllegalArgumentException(path + ": key '" + key + "' must be a token string or an object "
                        + "with a non-empty 'content', got " + value);
            }
            tokens.put(key, content.asText());
        }
    }

    private static int modelMaxLength(JsonNode config, Path path) {
        JsonNode n = config.get("model_max_length");
        if (n == null || n.isNull()) {
            return DEFAULTS.maxLength;
        }
        if (!n.canConvertToInt() || n.asInt() < 2) {
            throw new IllegalArgumentException(path + ": key 'model_max_length' must be an integer >= 2, got " + n);
        }
        return n.asInt();
    }

    private static JsonNode readObject(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        JsonNode node;
        try {
            node = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": malformed JSON: " + e.getMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(file + ": expected a JSON object");
        }
        return node;
    }
}
