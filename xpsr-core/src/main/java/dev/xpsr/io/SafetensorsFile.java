package dev.xpsr.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One open safetensors file: its validated header, and memory-mapped access to each tensor's bytes.
 *
 * <p>Format (safetensors spec): 8-byte little-endian header length N, N bytes of UTF-8 JSON header,
 * then the data block; see {@link SafetensorsHeader} for everything {@link #open} checks before it
 * returns. A file that opens is therefore consistent: every tensor's bytes lie inside the file and
 * match its dtype and shape.
 *
 * <p>Each {@link #data} call maps just that tensor's range ({@code FileChannel.map}, READ_ONLY), so
 * files far beyond 2 GB work; only a single tensor over 2 GB cannot be one {@code ByteBuffer}, and
 * {@link #data(String, long, int)} reads such a tensor in pieces. Mapped buffers stay valid after
 * {@link #close} (the JDK unmaps them when they are garbage collected); close only stops new mappings.
 * Instances are safe to use from several threads.
 */
public final class SafetensorsFile implements AutoCloseable {

    private final Path path;
    private final FileChannel channel;
    private final SafetensorsHeader header;
    private final List<TensorInfo> infos;

    private SafetensorsFile(Path path, FileChannel channel, SafetensorsHeader header) {
        this.path = path;
        this.channel = channel;
        this.header = header;
        this.infos = List.copyOf(header.tensors().values());
    }

    /**
     * Opens and validates {@code file}.
     *
     * @throws java.nio.file.NoSuchFileException if it does not exist
     * @throws SafetensorsFormatException if it is not a well-formed safetensors file
     */
    public static SafetensorsFile open(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return new SafetensorsFile(file, channel, SafetensorsHeader.read(file, channel));
        } catch (IOException | RuntimeException | Error e) {
            closeQuietly(channel, e);
            throw e;
        }
    }

    /** The file as given to {@link #open}. */
    public Path path() {
        return path;
    }

    /** The {@code __metadata__} string map in file order; empty when the header has none. */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /** The tensor names in file order. */
    public Set<String> keys() {
        return header.tensors().keySet();
    }

    /** All tensor entries in file order. */
    public List<TensorInfo> infos() {
        return infos;
    }

    /** Whether a tensor of that name exists. */
    public boolean contains(String key) {
        return header.tensors().containsKey(key);
    }

    /**
     * The header entry of {@code key}.
     *
     * @throws IllegalArgumentException naming the file and key when there is no such tensor
     */
    public TensorInfo info(String key) {
        TensorInfo info = header.tensors().get(key);
        if (info == null) {
            throw new IllegalArgumentException(path + ": no tensor \"" + key + "\" (the file has "
                    + header.tensors().size() + " tensors); check the key or that this is the right checkpoint");
        }
        return info;
    }

    /** Absolute file offset of the data block (8 + header length); tensor offsets are relative to it. */
    public long dataStart() {
        return header.dataStart();
    }

    /**
     * The bytes of tensor {@code key}: a read-only, little-endian buffer mapped from the file, position 0,
     * capacity exactly {@link TensorInfo#byteLength()}.
     *
     * @throws IllegalArgumentException if there is no such tensor
     * @throws UnsupportedOperationException if the tensor is over 2 GB (use {@link #data(String, long, int)})
     * @throws IllegalStateException if this file is closed
     * @throws UncheckedIOException if mapping fails (e.g. the file was truncated after it was opened)
     */
    public ByteBuffer data(String key) {
        TensorInfo info = info(key);
        if (info.byteLength() > Integer.MAX_VALUE) {
            throw new UnsupportedOperationException(path + ": tensor \"" + key + "\" is " + info.byteLength()
                    + " bytes, more than one ByteBuffer can hold (" + Integer.MAX_VALUE
                    + "); read it in pieces with data(key, byteOffset, byteLength)");
        }
        return map(info, 0, (int) info.byteLength());
    }

    /**
     * A piece of tensor {@code key}: {@code byteLength} bytes starting {@code byteOffset} bytes into its
     * data, mapped read-only and little-endian. This is how a tensor over 2 GB is read.
     *
     * @throws IndexOutOfBoundsException if the piece is not inside the tensor
     */
    public ByteBuffer data(String key, long byteOffset, int byteLength) {
        TensorInfo info = info(key);
        if (byteOffset < 0 || byteLength < 0 || byteOffset > info.byteLength() - byteLength) {
            throw new IndexOutOfBoundsException(path + ": bytes [" + byteOffset + ", +" + byteLength
                    + ") are not inside tensor \"" + key + "\" of " + info.byteLength() + " bytes");
        }
        return map(info, byteOffset, byteLength);
    }

    /**
     * The elements of tensor {@code key} converted to float, in row-major order: exact for F32, F16, BF16
     * and small integers, rounded for F64 and integers beyond 2^24; BOOL gives 0/1.
     *
     * @throws UnsupportedOperationException if the tensor has more elements than a Java array can hold
     */
    public float[] floats(String key) {
        TensorInfo info = info(key);
        if (info.numel() > Integer.MAX_VALUE - 8) {
            throw new UnsupportedOperationException(path + ": tensor \"" + key + "\" has " + info.numel()
                    + " elements, more than a float[] can hold; read it in pieces with data(key, offset, length)");
        }
        return FloatCodec.toFloats(info.dtype(), data(key), (int) info.numel());
    }

    /**
     * Stops new mappings; buffers already returned stay readable. Idempotent.
     *
     * @throws UncheckedIOException in the unlikely case that closing the read-only channel fails
     */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": closing failed", e);
        }
    }

    private ByteBuffer map(TensorInfo info, long offsetInTensor, int length) {
        if (!channel.isOpen()) {
            throw new IllegalStateException(
                    path + " is closed; open it again to read tensor \"" + info.name() + "\"");
        }
        long position = header.dataStart() + info.begin() + offsetInTensor;
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, position, length).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": cannot map tensor \"" + info.name() + "\" (bytes "
                    + position + " to " + (position + length)
                    + "); was the file changed or truncated after it was opened?", e);
        }
    }

    private static void closeQuietly(FileChannel channel, Throwable primary) {
        try {
            channel.close();
        } catch (IOException suppressed) {
            primary.addSuppressed(suppressed);
        }
    }
}
