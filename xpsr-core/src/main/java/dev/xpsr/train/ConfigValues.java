package dev.xpsr.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed reading of a config tree's values with errors naming the key, the value and the file. Numbers may also be
 * written as strings ({@code "5e-5"}), because YAML 1.1 reads {@code 5e-5} without a dot as text.
 */
final class ConfigValues {
    private final ObjectNode root;
    private final Path base;
    private final String source;

    ConfigValues(ObjectNode root, Path base, String source) {
        this.root = root;
        this.base = base;
        this.source = source;
    }

    private JsonNode get(String key) {
        JsonNode n = root.get(key);
        return n == null || n.isNull() ? null : n;
    }

    private TrainConfigException bad(String key, String want, JsonNode got) {
        return new TrainConfigException("key '" + key + "' in " + source + " must be " + want + ", got " + got);
    }

    Path requiredPath(String key) {
        Path p = path(key);
        if (p == null) {
            throw new TrainConfigException("key '" + key + "' is required in " + source);
        }
        return p;
    }

    Path path(String key) {
        JsonNode n = get(key);
        if (n == null) {
            return null;
        }
        if (!n.isTextual() || n.asText().isBlank()) {
            throw bad(key, "a path", n);
        }
        return base.resolve(n.asText()).normalize();
    }

    String string(String key, String fallback) {
        JsonNode n = get(key);
        if (n == null) {
            return fallback;
        }
        if (!n.isValueNode()) {
            throw bad(key, "a string", n);
        }
        return n.asText();
    }

    String choice(String key, String fallback, List<String> allowed) {
        String s = string(key, fallback);
        if (!allowed.contains(s)) {
            throw new TrainConfigException("key '" + key + "' in " + source + " must be one of " + allowed + ", got '"
                    + s + "'");
        }
        return s;
    }

    boolean bool(String key, boolean fallback) {
        JsonNode n = get(key);
        if (n == null) {
            return fallback;
        }
        if (!n.isBoolean()) {
            throw bad(key, "true or false", n);
        }
        return n.asBoolean();
    }

    List<String> strings(String key, List<String> fallback) {
        JsonNode n = get(key);
        if (n == null) {
            return fallback;
        }
        if (!n.isArray()) {
            throw bad(key, "a list of strings", n);
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isTextual()) {
                throw bad(key, "a list of strings", n);
            }
            out.add(e.asText());
        }
        return List.copyOf(out);
    }

    double number(String key, double fallback) {
        JsonNode n = get(key);
        if (n == null) {
            return fallback;
        }
        if (n.isNumber()) {
            return n.asDouble();
        }
        if (n.isTextual()) {
            try {
                return Double.parseDouble(n.asText().trim());
            } catch (NumberFormatException e) {
                throw bad(key, "a number", n);
            }
        }
        throw bad(key, "a number", n);
    }

    double nonNegative(String key, double fallback) {
        double d = number(key, fallback);
        if (!(d >= 0) || Double.isInfinite(d)) {
            throw bad(key, "a finite number ≥ 0", root.get(key));
        }
        return d;
    }

    double fraction(String key, double fallback) {
        double d = number(key, fallback);
        if (!(d >= 0 && d <= 1)) {
            throw bad(key, "a number in [0, 1]", root.get(key));
        }
        return d;
    }

    long integer(String key, Long fallback) {
        JsonNode n = get(key);
        if (n == null) {
            if (fallback == null) {
                throw new TrainConfigException("key '" + key + "' is required in " + source);
            }
            return fallback;
        }
        if (n.isIntegralNumber() && n.canConvertToLong()) {
            return n.asLong();
        }
        if (n.isTextual() && n.asText().trim().matches("-?\\d+")) {
            return Long.parseLong(n.asText().trim());
        }
        throw bad(key, "an integer", n);
    }

    int positiveInt(String key, Integer fallback) {
        long v = integer(key, fallback == null ? null : fallback.longValue());
        if (v < 1 || v > Integer.MAX_VALUE) {
            throw bad(key, "a positive integer", root.get(key));
        }
        return (int) v;
    }

    int nonNegativeInt(String key, int fallback) {
        long v = integer(key, (long) fallback);
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw bad(key, "an integer ≥ 0", root.get(key));
        }
        return (int) v;
    }
}
