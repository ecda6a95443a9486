package dev.xpsr.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes safetensors files atomically: readers see either the old file or the complete new one, never
 * a partial one, even if the process dies mid-write.
 *
 * <p>Output layout (safetensors spec): 8-byte little-endian header length N, then N bytes of UTF-8 JSON
 * (an {@code __metadata__} object first when there is metadata, then one
 * {@code {"dtype","shape","data_offsets"}} entry per tensor in the map's iteration order), padded with
 * spaces so that N is a multiple of 8 and the data block starts 8-aligned, then the tensors' bytes
 * back to back in the same order (no holes, as the spec asks of writers).
 *
 * <p>The file is written to a hidden temporary file in the target's folder, forced to disk, then renamed
 * over the target in one atomic step, and the folder is synced so the rename itself survives a crash.
 * The temporary file is created with the default permissions (not the owner-only ones of
 * {@code Files.createTempFile}), so the result has the permissions any new file would have.
 */
public final class SafetensorsWriter {

    /** Bytes handed to one write call, so a huge heap buffer is not copied to one huge native buffer. */
    private static final int WRITE_CHUNK = 8 << 20;

    private static final JsonFactory JSON = new JsonFactory();

    private SafetensorsWriter() {
    }

    /**
     * Writes {@code tensors} (in iteration order: pass a {@code LinkedHashMap} to fix it) and
     * {@code metadata} (may be null or empty) to {@code file}, replacing it atomically if it exists.
     *
     * @throws IllegalArgumentException for a null or reserved ({@code __metadata__}) name, a null value,
     *     or a header beyond the format's 100 MB limit
     */
    public static void write(Path file, Map<String, TensorData> tensors, Map<String, String> metadata)
            throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(tensors, "tensors");
        byte[] header = header(tensors, metadata == null ? Map.of() : metadata);
        Path target = file.toAbsolutePath();
        Path temp = createTemp(target);
        boolean moved = false;
        try {
            writeContent(temp, header, tensors);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            moved = true;
        } catch (IOException e) {
            throw AtomicFiles.failure(target, e);
        } finally {
            if (!moved) {
                deleteQuietly(temp);
            }
        }
        syncDirectory(target.getParent());
    }

    /** The JSON header, space-padded to a multiple of 8 bytes. */
    static byte[] header(Map<String, TensorData> tensors, Map<String, String> metadata) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            writeMetadata(json, metadata);
            long offset = 0;
            for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
                offset = writeEntry(json, e.getKey(), e.getValue(), offset);
            }
            json.writeEndObject();
        }
        byte[] header = pad(out.toByteArray());
        if (header.length > SafetensorsHeader.MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("the header would be " + header.length + " bytes, more than the "
                    + SafetensorsHeader.MAX_HEADER_BYTES + "-byte limit of the safetensors format; split the tensors"
                    + " over several files");
        }
        return header;
    }

    private static void writeMetadata(JsonGenerator json, Map<String, String> metadata) throws IOException {
        if (metadata.isEmpty()) {
            return;
        }
        json.writeObjectFieldStart(SafetensorsHeader.METADATA_KEY);
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new IllegalArgumentException("metadata entries need a non-null key and value, got "
                        + e.getKey() + " = " + e.getValue());
            }
            json.writeStringField(e.getKey(), e.getValue());
        }
        json.writeEndObject();
    }

    private static long writeEntry(JsonGenerator json, String name, TensorData tensor, long offset)
            throws IOException {
        if (name == null || SafetensorsHeader.METADATA_KEY.equals(name)) {
            throw new IllegalArgumentException("\"" + name + "\" cannot be a tensor name");
        }
        if (tensor == null) {
            throw new IllegalArgumentException("tensor \"" + name + "\" is null");
        }
        long end = Math.addExact(offset, tensor.byteLength());
        long[] shape = tensor.shape();
        json.writeObjectFieldStart(name);
        json.writeStringField("dtype", tensor.dtype().code());
        json.writeFieldName("shape");
        json.writeArray(shape, 0, shape.length);
        json.writeFieldName("data_offsets");
        json.writeArray(new long[] {offset, end}, 0, 2);
        json.writeEndObject();
        return end;
    }

    private static byte[] pad(byte[] json) {
        // Spaces are JSON whitespace, so readers ignore them; the spec pads the same way.
        int padded = (json.length + 7) & ~7;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    private static Path createTemp(Path target) throws IOException {
        Path dir = target.getParent();
        for (int attempt = 0; ; attempt++) {
            String suffix = Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36);
            Path temp = dir.resolve("." + target.getFileName() + "." + suffix + ".tmp");
            try {
                // CREATE_NEW makes the name ours alone even if another writer picked the same one.
                FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                return temp;
            } catch (FileAlreadyExistsException e) {
                if (attempt == 10) {
                    throw e;
                }
            }
        }
    }

    private static void writeContent(Path temp, byte[] header, Map<String, TensorData> tensors)
            throws IOException {
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length);
            writeFully(channel, length.flip());
            writeFully(channel, ByteBuffer.wrap(header));
            for (TensorData tensor : tensors.values()) {
                writeFully(channel, tensor.bytes());
            }
            channel.force(true);
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer source) throws IOException {
        ByteBuffer rest = source.duplicate();
        while (rest.hasRemaining()) {
            ByteBuffer chunk = rest.slice();
            chunk.limit(Math.min(chunk.remaining(), WRITE_CHUNK));
            rest.position(rest.position() + channel.write(chunk));
        }
    }

    private static void syncDirectory(Path dir) {
        // Makes the rename durable on POSIX file systems. Some platforms (Windows) cannot open a folder
        // as a channel; there the rename is already as durable as the platform allows, so failing here
        // would only turn a successful write into an error.
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException ignored) {
            // See above: best effort by design.
        }
    }

    private static void deleteQuietly(Path temp) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException ignored) {
            // The write already failed with a more useful exception; a stray hidden temp file is harmless.
        }
    }
}
