package dev.xpsr.baseline;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The {@code key=value} parameters of one layer line of an ncnn {@code .param} file, parsed as ncnn's
 * {@code ParamDict::load_param} (src/paramdict.cpp) does.
 *
 * <p>Keys are ids 0…31. A value is a string if it starts with a letter or {@code "} (quoted strings may hold
 * spaces), else a number: a float if it contains {@code .}, {@code e} or {@code E}, else an int. Arrays come in
 * two spellings: old style {@code -233NN=count,v1,v2,...} (key −23300 − id) and new style
 * {@code id=v1,v2,...}. Floats are converted with ncnn's own {@code vstr_to_float} (digits accumulated in a
 * 32-bit unsigned integer, exponent applied as repeated ×10 in double, then narrowed to float), reproduced
 * here so a parameter like {@code 2.000000e-01} gets exactly ncnn's float.
 *
 * <p>ncnn's getters reinterpret the stored union (an int written where a float is expected reads as a
 * denormal); here a type mismatch is an error naming the layer and key, since it always means a broken file.
 */
public final class NcnnParamDict {
    private static final int MAX_ID = 32;
    private static final int ARRAY_KEY_BASE = -23300;

    /** A value: exactly one of the fields is meaningful, as {@code kind} says. */
    private record Value(Kind kind, int i, float f, int[] ints, float[] floats, String s) {
    }

    private enum Kind { INT, FLOAT, INT_ARRAY, FLOAT_ARRAY, STRING }

    private final String where;
    private final Map<Integer, Value> values;

    private NcnnParamDict(String where, Map<Integer, Value> values) {
        this.where = where;
        this.values = values;
    }

    /**
     * Parses the parameter tokens of one layer line (already split at spaces; a quoted string split at its
     * spaces is joined back).
     *
     * @param where names the layer and line, for error messages
     */
    public static NcnnParamDict parse(List<String> tokens, String where) {
        Map<Integer, Value> values = new TreeMap<>();
        for (int t = 0; t < tokens.size(); t++) {
            String token = tokens.get(t);
            int eq = token.indexOf('=');
            if (eq <= 0) {
                throw new NcnnFormatException(where + ": parameter '" + token + "' is not key=value");
            }
            int key = parseInt(token.substring(0, eq), where);
            StringBuilder value = new StringBuilder(token.substring(eq + 1));
            while (value.length() > 0 && value.charAt(0) == '"' && !closedQuote(value) && t + 1 < tokens.size()) {
                value.append(' ').append(tokens.get(++t));
            }
            int id = key <= ARRAY_KEY_BASE ? ARRAY_KEY_BASE - key : key;
            if (id < 0 || id >= MAX_ID) {
                throw new NcnnFormatException(where + ": parameter id " + key + " out of range");
            }
            if (values.put(id, parseValue(key <= ARRAY_KEY_BASE, value.toString(), where)) != null) {
                throw new NcnnFormatException(where + ": parameter id " + id + " given twice");
            }
        }
        return new NcnnParamDict(where, values);
    }

    private static boolean closedQuote(CharSequence v) {
        return v.length() >= 2 && v.charAt(v.length() - 1) == '"';
    }

    private static Value parseValue(boolean oldStyleArray, String v, String where) {
        if (oldStyleArray) {
            String[] parts = v.split(",", -1);
            int count = parseInt(parts[0], where);
            if (count != parts.length - 1) {
                throw new NcnnFormatException(where + ": array '" + v + "' announces " + count + " values, has "
                        + (parts.length - 1));
            }
            return array(Arrays.copyOfRange(parts, 1, parts.length), where);
        }
        if (!v.isEmpty() && (Character.isLetter(v.charAt(0)) || v.charAt(0) == '"')) {
            String s = v.startsWith("\"") ? v.substring(1) : v;
            s = s.endsWith("\"") ? s.substring(0, s.length() - 1) : s;
            return new Value(Kind.STRING, 0, 0f, null, null, s);
        }
        if (v.contains(",")) {
            return array(v.split(",", -1), where);
        }
        return isFloat(v) ? new Value(Kind.FLOAT, 0, toFloat(v), null, null, null)
                : new Value(Kind.INT, parseInt(v, where), 0f, null, null, null);
    }

    /** An array is a float array if its first element is a float (ncnn decides on the first). */
    private static Value array(String[] parts, String where) {
        boolean floats = parts.length > 0 && isFloat(parts[0]);
        if (floats) {
            float[] f = new float[parts.length];
            for (int k = 0; k < parts.length; k++) {
                f[k] = toFloat(parts[k]);
            }
            return new Value(Kind.FLOAT_ARRAY, 0, 0f, null, f, null);
        }
        int[] ints = new int[parts.length];
        for (int k = 0; k < parts.length; k++) {
            ints[k] = parseInt(parts[k], where);
        }
        return new Value(Kind.INT_ARRAY, 0, 0f, ints, null, null);
    }

    private static boolean isFloat(String v) {
        return v.indexOf('.') >= 0 || v.indexOf('e') >= 0 || v.indexOf('E') >= 0;
    }

    private static int parseInt(String v, String where) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new NcnnFormatException(where + ": '" + v + "' is not an integer");
        }
    }

    /** ncnn's {@code vstr_to_float}, operation for operation. */
    static float toFloat(String v) {
        int p = 0;
        boolean positive = p >= v.length() || v.charAt(p) != '-';
        if (p < v.length() && (v.charAt(p) == '+' || v.charAt(p) == '-')) {
            p++;
        }
        long whole = 0;
        while (p < v.length() && Character.isDigit(v.charAt(p))) {
            whole = (whole * 10 + (v.charAt(p++) - '0')) & 0xFFFFFFFFL;
        }
        double d = whole;
        if (p < v.length() && v.charAt(p) == '.') {
            p++;
            long pow10 = 1;
            long fraction = 0;
            while (p < v.length() && Character.isDigit(v.charAt(p))) {
                fraction = (fraction * 10 + (v.charAt(p++) - '0')) & 0xFFFFFFFFL;
                pow10 = (pow10 * 10) & 0xFFFFFFFFL;
            }
            d += fraction / (double) pow10;
        }
        if (p < v.length() && (v.charAt(p) == 'e' || v.charAt(p) == 'E')) {
            p++;
            boolean up = p >= v.length() || v.charAt(p) != '-';
            if (p < v.length() && (v.charAt(p) == '+' || v.charAt(p) == '-')) {
                p++;
            }
            long exponent = 0;
            while (p < v.length() && Character.isDigit(v.charAt(p))) {
                exponent = (exponent * 10 + (v.charAt(p++) - '0')) & 0xFFFFFFFFL;
            }
            double scale = 1.0;
            for (; exponent >= 8; exponent -= 8) {
                scale *= 1e8;
            }
            for (; exponent > 0; exponent--) {
                scale *= 10.0;
            }
            d = up ? d * scale : d / scale;
        }
        return positive ? (float) d : (float) -d;
    }

    // ---------------------------------------------------------------- getters

    /** The int parameter {@code id}, or {@code def} when absent. */
    public int getInt(int id, int def) {
        Value v = values.get(id);
        return v == null ? def : expect(id, v, Kind.INT).i();
    }

    /** The float parameter {@code id}, or {@code def} when absent. */
    public float getFloat(int id, float def) {
        Value v = values.get(id);
        return v == null ? def : expect(id, v, Kind.FLOAT).f();
    }

    /** The float array parameter {@code id}, or an empty array when absent. */
    public float[] getFloats(int id) {
        Value v = values.get(id);
        return v == null ? new float[0] : expect(id, v, Kind.FLOAT_ARRAY).floats().clone();
    }

    /** Whether parameter {@code id} is given. */
    public boolean has(int id) {
        return values.containsKey(id);
    }

    /** The ids given. */
    public Set<Integer> ids() {
        return values.keySet();
    }

    /**
     * Fails unless every given id is one of {@code known}: a parameter the reader would ignore could change the
     * layer's meaning.
     */
    public void requireOnly(Set<Integer> known) {
        for (int id : values.keySet()) {
            if (!known.contains(id)) {
                throw new NcnnFormatException(where + ": parameter id " + id + " is not supported by this reader"
                        + " (understood: " + new java.util.TreeSet<>(known) + ")");
            }
        }
    }

    private Value expect(int id, Value v, Kind kind) {
        if (v.kind() != kind) {
            throw new NcnnFormatException(where + ": parameter " + id + " should be " + describe(kind) + ", the file"
                    + " gives " + describe(v.kind()));
        }
        return v;
    }

    private static String describe(Kind kind) {
        return kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
    }

    public String where() {
        return where;
    }
}
