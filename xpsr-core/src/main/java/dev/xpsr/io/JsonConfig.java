package dev.xpsr.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.CharConversionException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Typed, checked access to a diffusers / transformers {@code config.json}. Every error names the source and the
 * key, and says what was expected, so a user can fix the file. Fields the reference would fill with a class
 * default are read with an explicit default here; fields that decide the architecture are required.
 */
public final class JsonConfig {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ObjectNode node;
    private final String source;

    public JsonConfig(JsonNode node, String source) {
        if (node == null || !node.isObject()) {
            throw new ModelConfigException(source + ": expected a JSON object");
        }
        this.node = (ObjectNode) node;
        this.source = source;
    }

    /** Reads and parses a config file. */
    public static JsonConfig read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "model config.json not found");
        }
        JsonNode node;
        try {
            node = JSON.readTree(Files.readAllBytes(file));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ModelConfigException(file + ": not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (CharConversionException e) {
            throw new ModelConfigException(file + ": not valid JSON, its bytes are in no Unicode encoding ("
                    + e.getMessage() + ")");
        }
        return new JsonConfig(node, file.toString());
    }

    /** Parses config text (e.g. a fixture's {@code __metadata__.config}). */
    public static JsonConfig parse(String json, String source) {
        try {
            return new JsonConfig(JSON.readTree(json), source);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ModelConfigException(source + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
    }

    public String source() {
        return source;
    }

    public ObjectNode node() {
        return node;
    }

    /** A sub-object (e.g. a pipeline fixture's per-model configs). */
    public JsonConfig object(String key) {
        return new JsonConfig(required(key), source + "#" + key);
    }

    public boolean has(String key) {
        return node.hasNonNull(key);
    }

    public int integer(String key) {
        JsonNode v = required(key);
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw wrong(key, "an integer", v);
        }
        return v.intValue();
    }

    public int integer(String key, int dflt) {
        return has(key) ? integer(key) : dflt;
    }

    public double number(String key) {
        JsonNode v = required(key);
        if (!v.isNumber()) {
            throw wrong(key, "a number", v);
        }
        return v.doubleValue();
    }

    public double number(String key, double dflt) {
        return has(key) ? number(key) : dflt;
    }

    public boolean bool(String key, boolean dflt) {
        if (!has(key)) {
            return dflt;
        }
        JsonNode v = node.get(key);
        if (!v.isBoolean()) {
            throw wrong(key, "true or false", v);
        }
        return v.booleanValue();
    }

    public String string(String key) {
        JsonNode v = required(key);
        if (!v.isTextual()) {
            throw wrong(key, "a string", v);
        }
        return v.textValue();
    }

    public String string(String key, String dflt) {
        return has(key) ? string(key) : dflt;
    }

    public int[] integers(String key) {
        JsonNode v = required(key);
        if (!v.isArray() || v.isEmpty()) {
            throw wrong(key, "a non-empty list of integers", v);
        }
        int[] out = new int[v.size()];
        for (int i = 0; i < out.length; i++) {
            if (!v.get(i).isIntegralNumber()) {
                throw wrong(key, "a list of integers", v);
            }
            out[i] = v.get(i).intValue();
        }
        return out;
    }

    /** An integer or a list of integers, expanded to {@code n} entries (diffusers' int-or-tuple fields). */
    public int[] integersOrOne(String key, int n) {
        JsonNode v = required(key);
        if (v.isIntegralNumber()) {
            int[] out = new int[n];
            java.util.Arrays.fill(out, v.intValue());
            return out;
        }
        int[] out = integers(key);
        if (out.length != n) {
            throw new ModelConfigException(source + ": '" + key + "' has " + out.length + " entries, expected " + n
                    + " (one per block)");
        }
        return out;
    }

    /** Same as {@link #integersOrOne(String, int)} with a default when absent or null. */
    public int[] integersOrOne(String key, int n, int dflt) {
        if (!has(key)) {
            int[] out = new int[n];
            java.util.Arrays.fill(out, dflt);
            return out;
        }
        return integersOrOne(key, n);
    }

    public boolean[] booleansOrOne(String key, int n, boolean dflt) {
        boolean[] out = new boolean[n];
        if (!has(key)) {
            java.util.Arrays.fill(out, dflt);
            return out;
        }
        JsonNode v = node.get(key);
        if (v.isBoolean()) {
            java.util.Arrays.fill(out, v.booleanValue());
            return out;
        }
        if (!v.isArray() || v.size() != n) {
            throw wrong(key, "true/false or a list of " + n + " of them", v);
        }
        for (int i = 0; i < n; i++) {
            out[i] = v.get(i).asBoolean();
        }
        return out;
    }

    public String[] strings(String key) {
        JsonNode v = required(key);
        if (!v.isArray() || v.isEmpty()) {
            throw wrong(key, "a non-empty list of strings", v);
        }
        String[] out = new String[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i).asText();
        }
        return out;
    }

    /** Fails unless {@code key} is absent, null or equal to {@code expected}: options this port does not have. */
    public void requireDefault(String key, Object expected, String what) {
        if (!has(key)) {
            return;
        }
        JsonNode v = node.get(key);
        boolean same = expected instanceof Boolean b ? v.isBoolean() && v.booleanValue() == b
                : expected instanceof Number n ? v.isNumber() && v.doubleValue() == n.doubleValue()
                : v.asText().equals(String.valueOf(expected));
        if (!same) {
            throw new ModelConfigException(source + ": '" + key + "' = " + v + " is not supported (" + what
                    + "); expected " + (expected == null ? "null" : expected));
        }
    }

    /** Fails unless {@code key} is absent or null. */
    public void requireNull(String key, String what) {
        if (has(key)) {
            throw new ModelConfigException(source + ": '" + key + "' = " + node.get(key) + " is not supported ("
                    + what + "); expected null");
        }
    }

    private JsonNode required(String key) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            throw new ModelConfigException(source + ": required field '" + key + "' is missing");
        }
        return v;
    }

    private ModelConfigException wrong(String key, String expected, JsonNode v) {
        return new ModelConfigException(source + ": '" + key + "' should be " + expected + ", found " + v);
    }
}
