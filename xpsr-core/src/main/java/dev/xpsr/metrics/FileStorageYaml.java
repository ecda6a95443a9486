package dev.xpsr.metrics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A reader for the YAML that OpenCV's {@code cv::FileStorage} writes ({@code %YAML:1.0} files such as
 * {@code cv::ml::SVM::save} models and {@code !!opencv-matrix} nodes): indentation-based block mappings and
 * {@code -} sequences, multi-line flow sequences {@code [a, b, …]}, flow mappings {@code { k: v }} (OpenCV also
 * writes {@code {k:v}}), tags (skipped) and plain or quoted scalars. Nodes become {@code Map<String, Object>}
 * (insertion order), {@code List<Object>} and {@code String}.
 */
final class FileStorageYaml {
    private static final Pattern INLINE_KEY = Pattern.compile("[A-Za-z_][\\w-]*:(\\s.*)?");

    private final String s;
    private final String source;
    private int pos;

    private FileStorageYaml(String text, String source) {
        this.s = text;
        this.source = source;
    }

    /** Parses a whole file; the top-level node is usually a mapping. */
    static Object read(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.ISO_8859_1), file.toString());
    }

    static Object parse(String text, String source) throws IOException {
        FileStorageYaml p = new FileStorageYaml(text, source);
        p.skipDirectives();
        return p.block(-1);
    }

    /** {@code node[key]} of a mapping node, failing with the path of what is missing. */
    @SuppressWarnings("unchecked")
    static Object child(Object node, String key, String where) throws IOException {
        if (!(node instanceof Map<?, ?> map) || !map.containsKey(key)) {
            throw new IOException(where + ": no '" + key + "' entry");
        }
        return ((Map<String, Object>) map).get(key);
    }

    /** The numbers of a flow or block sequence node, parsed as doubles. */
    static double[] numbers(Object node, String where) throws IOException {
        if (!(node instanceof List<?> list)) {
            throw new IOException(where + ": expected a sequence of numbers");
        }
        double[] out = new double[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = number(list.get(i), where + "[" + i + "]");
        }
        return out;
    }

    static double number(Object node, String where) throws IOException {
        if (!(node instanceof String text)) {
            throw new IOException(where + ": expected a number");
        }
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new IOException(where + ": '" + text + "' is not a number");
        }
    }

    private void skipDirectives() {
        while (true) {
            skipBlank();
            if (pos < s.length() && column() == 0 && (s.startsWith("%", pos) || s.startsWith("---", pos))) {
                skipToLineEnd();
            } else {
                return;
            }
        }
    }

    /** The node more indented than {@code parentColumn} starting at the next content, or null if none. */
    private Object block(int parentColumn) throws IOException {
        skipBlank();
        if (pos >= s.length() || column() <= parentColumn) {
            return null;
        }
        return startsSequenceItem() ? blockSequence(column()) : blockMapping(column());
    }

    private Map<String, Object> blockMapping(int column) throws IOException {
        Map<String, Object> map = new LinkedHashMap<>();
        while (true) {
            skipBlank();
            if (pos >= s.length() || column() != column || startsSequenceItem()) {
                return map;
            }
            int colon = s.indexOf(':', pos);
            int eol = lineEnd();
            if (colon < 0 || colon > eol) {
                throw error("expected 'key:'");
            }
            String key = unquote(s.substring(pos, colon).trim());
            pos = colon + 1;
            map.put(key, valueAfterIndicator(column));
        }
    }

    private List<Object> blockSequence(int column) throws IOException {
        List<Object> list = new ArrayList<>();
        while (true) {
            skipBlank();
            if (pos >= s.length() || column() != column || !startsSequenceItem()) {
                return list;
            }
            pos++;
            list.add(valueAfterIndicator(column));
        }
    }

    /** What follows {@code key:} or {@code -}: a nested block, a tag, a flow collection or a scalar. */
    private Object valueAfterIndicator(int column) throws IOException {
        skipSpaces();
        if (atLineEnd()) {
            return block(column);
        }
        if (s.startsWith("!!", pos)) {
            while (pos < s.length() && !Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
            return valueAfterIndicator(column);
        }
        char c = s.charAt(pos);
        if (c == '[') {
            return flowSequence();
        }
        if (c == '{') {
            return flowMapping();
        }
        if (INLINE_KEY.matcher(s.substring(pos, lineEnd())).matches()) {
            return blockMapping(column());
        }
        String text = s.substring(pos, lineEnd()).trim();
        pos = lineEnd();
        return unquote(text);
    }

    private List<Object> flowSequence() throws IOException {
        pos++;
        List<Object> list = new ArrayList<>();
        while (true) {
            skipWhitespace();
            if (pos >= s.length()) {
                throw error("unterminated '['");
            }
            if (s.charAt(pos) == ']') {
                pos++;
                return list;
            }
            if (s.charAt(pos) == '}') {
                // flowValue stops before it without moving: without this check the loop would never end
                throw error("'}' inside a '[' sequence");
            }
            list.add(flowValue());
            skipWhitespace();
            if (pos < s.length() && s.charAt(pos) == ',') {
                pos++;
            }
        }
    }

    private Map<String, Object> flowMapping() throws IOException {
        pos++;
        Map<String, Object> map = new LinkedHashMap<>();
        while (true) {
            skipWhitespace();
            if (pos >= s.length()) {
                throw error("unterminated '{'");
            }
            if (s.charAt(pos) == '}') {
                pos++;
                return map;
            }
            if (s.charAt(pos) == ']') {
                throw error("']' inside a '{' mapping");
            }
            int colon = s.indexOf(':', pos);
            if (colon < 0) {
                throw error("expected 'key:' in a flow mapping");
            }
            String key = unquote(s.substring(pos, colon).trim());
            pos = colon + 1;
            skipWhitespace();
            map.put(key, flowValue());
            skipWhitespace();
            if (pos < s.length() && s.charAt(pos) == ',') {
                pos++;
            }
        }
    }

    private Object flowValue() throws IOException {
        if (pos >= s.length()) { // "{key:" and nothing after it
            throw error("the file ends where a value should follow");
        }
        char c = s.charAt(pos);
        if (c == '[') {
            return flowSequence();
        }
        if (c == '{') {
            return flowMapping();
        }
        int start = pos;
        while (pos < s.length() && ",]}\n".indexOf(s.charAt(pos)) < 0) {
            pos++;
        }
        return unquote(s.substring(start, pos).trim());
    }

    private boolean startsSequenceItem() {
        return s.charAt(pos) == '-' && (pos + 1 >= s.length() || Character.isWhitespace(s.charAt(pos + 1)));
    }

    /** Moves to the first content character, past blank lines, indentation and comments. */
    private void skipBlank() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                pos++;
            } else if (c == '#') {
                skipToLineEnd();
            } else {
                return;
            }
        }
    }

    private void skipWhitespace() {
        while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
            pos++;
        }
    }

    private void skipSpaces() {
        while (pos < s.length() && (s.charAt(pos) == ' ' || s.charAt(pos) == '\t')) {
            pos++;
        }
    }

    private boolean atLineEnd() {
        return pos >= s.length() || s.charAt(pos) == '\n' || s.charAt(pos) == '\r' || s.charAt(pos) == '#';
    }

    private void skipToLineEnd() {
        pos = lineEnd();
    }

    private int lineEnd() {
        int eol = s.indexOf('\n', pos);
        int end = eol < 0 ? s.length() : eol;
        return end > pos && s.charAt(end - 1) == '\r' ? end - 1 : end;
    }

    private int column() {
        return pos - (s.lastIndexOf('\n', pos - 1) + 1);
    }

    private static String unquote(String text) {
        if (text.length() >= 2 && (text.startsWith("\"") && text.endsWith("\"")
                || text.startsWith("'") && text.endsWith("'"))) {
            return text.substring(1, text.length() - 1);
        }
        return text;
    }

    private IOException error(String what) {
        int line = 1;
        for (int i = 0; i < pos && i < s.length(); i++) {
            if (s.charAt(i) == '\n') {
                line++;
            }
        }
        return new IOException(source + " line " + line + ": " + what);
    }
}
