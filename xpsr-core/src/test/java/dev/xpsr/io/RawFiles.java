package dev.xpsr.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds safetensors files byte by byte for tests, so that malformed ones (which the writer refuses to
 * produce) can be made: an 8-byte little-endian length, the header bytes, then a data block.
 */
final class RawFiles {

    private RawFiles() {
    }

    /** A file whose header is {@code json} (length prefix = its UTF-8 size) followed by {@code dataBytes} bytes. */
    static Path withHeader(Path file, String json, int dataBytes) throws IOException {
        return withHeaderBytes(file, json.getBytes(StandardCharsets.UTF_8), dataBytes);
    }

    /** As {@link #withHeader}, with the header given as raw bytes (for invalid UTF-8). */
    static Path withHeaderBytes(Path file, byte[] header, int dataBytes) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(header.length).put(header);
        for (int i = 0; i < dataBytes; i++) {
            out.put((byte) i);
        }
        Files.write(file, out.array());
        return file;
    }

    /** A file that is just an 8-byte length prefix {@code claimedLength} followed by {@code rest}. */
    static Path withLengthPrefix(Path file, long claimedLength, byte[] rest) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(8 + rest.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(claimedLength).put(rest);
        Files.write(file, out.array());
        return file;
    }

    /** One header entry as JSON text. */
    static String entry(String dtype, String shape, long begin, long end) {
        return "{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }
}
