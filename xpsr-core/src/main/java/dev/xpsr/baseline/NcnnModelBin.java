package dev.xpsr.baseline;

import dev.xpsr.io.FloatCodec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Sequential reader of an ncnn {@code .bin} weight file, as {@code ModelBinFromDataReader::load(w, type)} in
 * src/modelbin.cpp. The file is the layers' weight buffers back to back, in {@code .param} order, each read
 * with a count {@code w} known from the layer's parameters and a type:
 * <ul>
 *   <li>type 1 (biases, PReLU slopes): {@code w} raw little-endian float32.</li>
 *   <li>type 0 (convolution weights): a 4-byte flag word first, then by flag
 *     <ul>
 *       <li>{@code 0x01306B47}: {@code w} IEEE half floats, padded to a multiple of 4 bytes;</li>
 *       <li>{@code 0x0002C056}, or all four flag bytes zero: {@code w} raw float32;</li>
 *       <li>{@code 0x000D4B38}: int8 weights (needs ncnn's int8 inference with its scale tables; rejected);</li>
 *       <li>any other flag: a 256-entry float32 table, then {@code w} one-byte indices into it, padded to a
 *           multiple of 4 bytes.</li>
 *     </ul></li>
 * </ul>
 */
public final class NcnnModelBin {
    static final int TAG_FLOAT16 = 0x01306B47;
    static final int TAG_INT8 = 0x000D4B38;
    static final int TAG_FLOAT32_SCALED = 0x0002C056;
    private static final int QUANTIZATION_TABLE = 256;

    private final ByteBuffer data;
    private final String source;

    /** A reader over {@code data} (read from its current position). */
    public NcnnModelBin(ByteBuffer data, String source) {
        this.data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
        this.source = source;
    }

    /** Maps a {@code .bin} file read-only. */
    public static NcnnModelBin open(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return new NcnnModelBin(ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()), file.toString());
        }
    }

    /**
     * Reads the next buffer of {@code count} values.
     *
     * @param type 0 (flagged storage) or 1 (raw float32)
     * @param what names the layer and buffer, for error messages
     */
    public float[] load(int count, int type, String what) {
        if (count < 0) {
            throw new NcnnFormatException(what + ": negative weight count " + count);
        }
        return switch (type) {
            case 0 -> loadFlagged(count, what);
            case 1 -> readFloats(count, what);
            default -> throw new IllegalArgumentException("ncnn weight type " + type + " does not exist");
        };
    }

    private float[] loadFlagged(int count, String what) {
        need(4, what + " (flag)");
        int position = data.position();
        int tag = data.getInt();
        if (tag == TAG_FLOAT16) {
            return readHalves(count, what);
        }
        if (tag == TAG_INT8) {
            throw new NcnnFormatException(source + " at byte " + position + ": " + what + " is stored as int8,"
                    + " which needs ncnn's int8 inference; only float16/float32/table-quantized weights are supported");
        }
        return tag == TAG_FLOAT32_SCALED || tag == 0 ? readFloats(count, what) : readQuantized(count, what);
    }

    private float[] readHalves(int count, String what) {
        long bytes = align4(2L * count);
        need(bytes, what);
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            out[i] = FloatCodec.halfToFloat(data.getShort());
        }
        skip(bytes - 2L * count);
        return out;
    }

    private float[] readFloats(int count, String what) {
        need(4L * count, what);
        float[] out = new float[count];
        data.asFloatBuffer().get(out);
        skip(4L * count);
        return out;
    }

    private float[] readQuantized(int count, String what) {
        float[] table = readFloats(QUANTIZATION_TABLE, what + " (quantization table)");
        long bytes = align4(count);
        need(bytes, what);
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            out[i] = table[data.get() & 0xFF];
        }
        skip(bytes - count);
        return out;
    }

    private static long align4(long bytes) {
        return (bytes + 3) & ~3L;
    }

    private void need(long bytes, String what) {
        if (data.remaining() < bytes) {
            throw new NcnnFormatException(source + ": file ends at byte " + data.limit() + " while reading " + what
                    + " (" + bytes + " bytes needed, " + data.remaining() + " left): the .bin does not match the"
                    + " .param");
        }
    }

    private void skip(long bytes) {
        data.position(data.position() + (int) bytes);
    }

    /** Bytes not read yet. */
    public long remaining() {
        return data.remaining();
    }

    /** Fails if bytes are left over: the {@code .param} then describes fewer weights than the file holds. */
    public void checkFullyRead() {
        if (data.remaining() != 0) {
            throw new NcnnFormatException(source + ": " + data.remaining() + " bytes left after the last layer's"
                    + " weights: the .bin does not match the .param");
        }
    }
}
