package dev.xpsr.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed and fully validated header of one safetensors file.
 *
 * <p>Layout (safetensors spec): an 8-byte little-endian unsigned length N, then N bytes of UTF-8 JSON,
 * then the data block. The JSON is one object mapping each tensor name to
 * {@code {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}} (offsets relative to the data
 * block, end exclusive), plus an optional {@code "__metadata__"} object of string to string.
 *
 * <p>Everything is checked before anything is returned: the length prefix against the file size and a
 * 100 MB bound (the spec's own limit), UTF-8, JSON syntax, duplicate keys, field types, dtype codes,
 * shape overflow, offsets against the data block, byte counts against shape × dtype size, and overlaps
 * between tensors. Holes between tensors and trailing bytes after the last one are accepted (the spec
 * says writers should not leave them, but they make no tensor unreadable). The JSON is read as a token
 * stream, so memory use follows what the header actually contains, and shapes are capped at
 * {@value #MAX_RANK} dims, so a hostile header cannot make this allocate more than its own size.
 */
final class SafetensorsHeader {

    /** The spec's bound on N; real checkpoints with tens of thousands of tensors stay below 10 MB. */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    /** A rank no real tensor reaches (torch itself stops at 64 on some backends). */
    static final int MAX_RANK = 1024;

    static final String METADATA_KEY = "__metadata__";

    private static final int LENGTH_PREFIX_BYTES = 8;

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final Map<String, String> metadata;
    private final Map<String, TensorInfo> tensors;
    private final long dataStart;

    private SafetensorsHeader(Map<String, String> metadata, Map<String, TensorInfo> tensors, long dataStart) {
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = Collections.unmodifiableMap(tensors);
        this.dataStart = dataStart;
    }

    /** The {@code __metadata__} entries in file order; empty when the header has none. */
    Map<String, String> metadata() {
        return metadata;
    }

    /** The tensors in file order. */
    Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** Absolute file offset of the data block: 8 + N. */
    long dataStart() {
        return dataStart;
    }

    /** Reads and validates the header of {@code file}, open as {@code channel}. */
    static SafetensorsHeader read(Path file, FileChannel channel) throws IOException {
        long fileSize = channel.size();
        if (fileSize < LENGTH_PREFIX_BYTES) {
            throw fail(file, null, "the file is only " + fileSize
                    + " bytes, shorter than the 8-byte header length every safetensors file starts with");
        }
        long headerLength = readLengthPrefix(channel);
        checkHeaderLength(file, headerLength, fileSize);
        byte[] json = readFully(channel, LENGTH_PREFIX_BYTES, (int) headerLength);
        long dataStart = LENGTH_PREFIX_BYTES + headerLength;
        return parse(file, json, fileSize - dataStart, dataStart);
    }

    /**
     * Validates a header given as bytes.
     *
     * @param dataLength bytes available after the header, which every tensor must fit in
     * @param dataStart absolute offset of the data block, kept for the caller
     */
    static SafetensorsHeader parse(Path file, byte[] json, long dataLength, long dataStart)
            throws SafetensorsFormatException {
        if (json.length == 0 || json[0] != '{') {
            throw fail(file, null, "the JSON header does not start with '{'");
        }
        String text = decodeUtf8(file, json);
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        try (JsonParser parser = JSON.createParser(text)) {
            readTopLevel(file, parser, metadata, tensors, dataLength);
        } catch (SafetensorsFormatException e) {
            throw e;
        } catch (JacksonException e) {
            throw fail(file, null, "the JSON header is malformed (" + e.getOriginalMessage() + where(e) + ")", e);
        } catch (IOException e) {
            throw fail(file, null, "the JSON header cannot be read (" + e.getMessage() + ")", e);
        }
        checkNoOverlap(file, tensors.values());
        return new SafetensorsHeader(metadata, tensors, dataStart);
    }

    private static String where(JacksonException e) {
        // Limit violations (nesting depth, string length) come without a location.
        return e.getLocation() == null ? "" : ", at character " + e.getLocation().getCharOffset();
    }

    private static long readLengthPrefix(FileChannel channel) throws IOException {
        byte[] prefix = readFully(channel, 0, LENGTH_PREFIX_BYTES);
        return ByteBuffer.wrap(prefix).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private static void checkHeaderLength(Path file, long n, long fileSize) throws SafetensorsFormatException {
        // n is an unsigned 64-bit value: compare unsigned so that 2^63 and up are "too large", not negative.
        String shown = Long.toUnsignedString(n);
        if (n == 0) {
            throw fail(file, null, "the header length is 0, so there is no JSON header");
        }
        if (Long.compareUnsigned(n, fileSize - LENGTH_PREFIX_BYTES) > 0) {
            throw fail(file, null, "the header length is " + shown + " bytes but only "
                    + (fileSize - LENGTH_PREFIX_BYTES) + " bytes follow the length field");
        }
        if (n > MAX_HEADER_BYTES) {
            throw fail(file, null, "the header length is " + shown
                    + " bytes, more than the " + MAX_HEADER_BYTES + "-byte limit of the safetensors format");
        }
    }

    private static byte[] readFully(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, position + buffer.position());
            if (read < 0) {
                throw new IOException("unexpected end of file at byte " + (position + buffer.position())
                        + " (the file shrank while being read)");
            }
        }
        return buffer.array();
    }

    private static String decodeUtf8(Path file, byte[] json) throws SafetensorsFormatException {
        // Jackson alone lets some ill-formed UTF-8 (overlong forms, encoded surrogates) through; the JDK
        // decoder in REPORT mode rejects all of it, as the spec's reference reader does.
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(json))
                    .toString();
        } catch (CharacterCodingException e) {
            throw fail(file, null, "the JSON header is not valid UTF-8", e);
        }
    }

    private static void readTopLevel(Path file, JsonParser parser, Map<String, String> metadata,
            Map<String, TensorInfo> tensors, long dataLength) throws IOException {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            throw fail(file, null, "the JSON header is not an object");
        }
        JsonToken token;
        while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            parser.nextToken();
            if (METADATA_KEY.equals(key)) {
                readMetadata(file, parser, metadata);
            } else {
                tensors.put(key, readEntry(file, parser, key, dataLength));
            }
        }
        if (token != JsonToken.END_OBJECT) {
            throw fail(file, null, "the JSON header object is not closed");
        }
        if (parser.nextToken() != null) {
            throw fail(file, null, "the JSON header has content after its closing '}'");
        }
    }

    private static void readMetadata(Path file, JsonParser parser, Map<String, String> metadata)
            throws IOException {
        if (parser.currentToken() == JsonToken.VALUE_NULL) {
            return;
        }
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            throw fail(file, null, "\"__metadata__\" is not an object of strings");
        }
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            if (parser.nextToken() != JsonToken.VALUE_STRING) {
                throw fail(file, null, "\"__metadata__\" entry \"" + name
                        + "\" is not a string (the format allows only strings)");
            }
            metadata.put(name, parser.getText());
        }
    }

    private static TensorInfo readEntry(Path file, JsonParser parser, String key, long dataLength)
            throws IOException {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            throw fail(file, key,
                    "the header entry is not an object {\"dtype\", \"shape\", \"data_offsets\"}");
        }
        String dtypeCode = null;
        long[] shape = null;
        long[] offsets = null;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken value = parser.nextToken();
            switch (field) {
                case "dtype" -> {
                    if (value != JsonToken.VALUE_STRING) {
                        throw fail(file, key, "\"dtype\" is not a string");
                    }
                    dtypeCode = parser.getText();
                }
                case "shape" -> shape = readNonNegativeLongs(file, parser, key, "shape", MAX_RANK);
                case "data_offsets" -> offsets = readNonNegativeLongs(file, parser, key, "data_offsets", 2);
                // Unknown fields are ignored, as the reference reader does; skip nested values whole.
                default -> parser.skipChildren();
            }
        }
        if (dtypeCode == null) {
            throw fail(file, key, "the header entry has no \"dtype\"");
        }
        if (shape == null) {
            throw fail(file, key, "the header entry has no \"shape\"");
        }
        if (offsets == null) {
            throw fail(file, key, "the header entry has no \"data_offsets\"");
        }
        return toInfo(file, key, DType.parse(dtypeCode, file, key), shape, offsets, dataLength);
    }

    private static long[] readNonNegativeLongs(Path file, JsonParser parser, String key, String field, int max)
            throws IOException {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            throw fail(file, key, "\"" + field + "\" is not an array");
        }
        long[] values = new long[4];
        int count = 0;
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (count == max) {
                throw fail(file, key, "\"" + field + "\" has more than " + max + " entries");
            }
            values = count == values.length ? Arrays.copyOf(values, count * 2) : values;
            values[count++] = readNonNegativeLong(file, parser, key, field);
        }
        return Arrays.copyOf(values, count);
    }

    private static long readNonNegativeLong(Path file, JsonParser parser, String key, String field)
            throws IOException {
        if (parser.currentToken() != JsonToken.VALUE_NUMBER_INT) {
            throw fail(file, key, "\"" + field + "\" holds " + describe(parser) + ", not an integer");
        }
        if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw fail(file, key, "\"" + field + "\" holds " + parser.getText() + ", beyond 64 bits");
        }
        long value = parser.getLongValue();
        if (value < 0) {
            throw fail(file, key, "\"" + field + "\" holds the negative value " + value);
        }
        return value;
    }

    private static String describe(JsonParser parser) throws IOException {
        JsonToken t = parser.currentToken();
        return t == null ? "nothing" : t.isScalarValue() ? "the value " + parser.getText() : "a nested " + t;
    }

    private static TensorInfo toInfo(Path file, String key, DType dtype, long[] shape, long[] offsets,
            long dataLength) throws SafetensorsFormatException {
        if (offsets.length != 2) {
            throw fail(file, key, "\"data_offsets\" has " + offsets.length + " entries instead of [begin, end]");
        }
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end) {
            throw fail(file, key, "\"data_offsets\" [" + begin + ", " + end + "] has begin after end");
        }
        if (end > dataLength) {
            throw fail(file, key, "\"data_offsets\" [" + begin + ", " + end + "] run past the end of "
                    + "the data block, which holds " + dataLength + " bytes");
        }
        long expected = expectedBytes(file, key, dtype, shape);
        if (end - begin != expected) {
            throw fail(file, key, "\"data_offsets\" [" + begin + ", " + end + "] span "
                    + (end - begin) + " bytes but " + dtype.code() + " " + Shapes.format(shape) + " needs " + expected
                    + "; the header is inconsistent");
        }
        return new TensorInfo(key, dtype, shape, begin, end);
    }

    private static long expectedBytes(Path file, String key, DType dtype, long[] shape)
            throws SafetensorsFormatException {
        try {
            return Math.multiplyExact(Shapes.numel(shape), (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw fail(file, key, "shape " + Shapes.format(shape)
                    + " has more elements than a 64-bit byte count can hold");
        }
    }

    private static void checkNoOverlap(Path file, Iterable<TensorInfo> infos) throws SafetensorsFormatException {
        // Empty tensors own no bytes, so only non-empty ranges can overlap.
        List<TensorInfo> sorted = new ArrayList<>();
        infos.forEach(t -> {
            if (t.byteLength() > 0) {
                sorted.add(t);
            }
        });
        sorted.sort(Comparator.comparingLong(TensorInfo::begin));
        for (int i = 1; i < sorted.size(); i++) {
            TensorInfo previous = sorted.get(i - 1);
            TensorInfo current = sorted.get(i);
            if (current.begin() < previous.end()) {
                throw fail(file, current.name(), "bytes [" + current.begin() + ", "
                        + current.end() + ") overlap tensor \"" + previous.name() + "\" at [" + previous.begin() + ", "
                        + previous.end() + ")");
            }
        }
    }

    /** A format error whose only remedy is a fresh copy of the file. */
    private static SafetensorsFormatException fail(Path file, String key, String problem) {
        return fail(file, key, problem, null);
    }

    private static SafetensorsFormatException fail(Path file, String key, String problem, Throwable cause) {
        return new SafetensorsFormatException(file, key, problem + "; " + SafetensorsFormatException.REDOWNLOAD,
                cause);
    }
}
