package dev.xpsr.baseline;

import dev.xpsr.io.FloatCodec;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Writes hand-made ncnn {@code .bin} contents for the tests, buffer by buffer. */
final class NcnnBytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** A type-0 buffer stored as float16: tag 0x01306B47, the halves, zero padding to 4 bytes. */
    NcnnBytes half(float... values) {
        word(NcnnModelBin.TAG_FLOAT16);
        ByteBuffer b = le(2 * values.length + (values.length % 2) * 2);
        for (float v : values) {
            b.putShort(FloatCodec.floatToHalf(v));
        }
        out.writeBytes(b.array());
        return this;
    }

    /** A type-0 buffer stored as float32 (flag word 0). */
    NcnnBytes flaggedFloats(float... values) {
        word(0);
        return floats(values);
    }

    /** A type-1 buffer (or raw float32 data): the values, no flag. */
    NcnnBytes floats(float... values) {
        ByteBuffer b = le(4 * values.length);
        for (float v : values) {
            b.putFloat(v);
        }
        out.writeBytes(b.array());
        return this;
    }

    /** A type-0 buffer quantized with a 256-entry table: flag, table, one index byte per value, padding. */
    NcnnBytes quantized(int flag, float[] table, int... indices) {
        word(flag);
        floats(table);
        ByteBuffer b = le((indices.length + 3) & ~3);
        for (int i : indices) {
            b.put((byte) i);
        }
        out.writeBytes(b.array());
        return this;
    }

    NcnnBytes word(int w) {
        out.writeBytes(le(4).putInt(w).array());
        return this;
    }

    ByteBuffer buffer() {
        return ByteBuffer.wrap(out.toByteArray());
    }

    NcnnModelBin bin() {
        return new NcnnModelBin(buffer(), "test.bin");
    }

    private static ByteBuffer le(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
