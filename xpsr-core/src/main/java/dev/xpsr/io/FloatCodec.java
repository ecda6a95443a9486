package dev.xpsr.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Conversions between the safetensors element types and Java {@code float}.
 *
 * <p>F16 is IEEE 754 binary16 (1 sign, 5 exponent, 10 mantissa bits); BF16 is the top half of a
 * binary32. Narrowing conversions round to nearest, ties to even, as torch's {@code .half()} and
 * {@code .bfloat16()} do; overflow gives infinity, NaN stays NaN. Java 17 has no
 * {@code Float.float16ToFloat}, hence the bit manipulation here.
 */
public final class FloatCodec {

    private FloatCodec() {
    }

    /** The exact float value of an IEEE binary16 bit pattern. */
    public static float halfToFloat(short half) {
        int bits = half & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            // Infinity or NaN: keep the payload so NaNs stay NaNs.
            return Float.intBitsToFloat(sign | 0x7f80_0000 | (mantissa << 13));
        }
        if (exponent == 0) {
            // Zero or subnormal: mantissa * 2^-24, exact in float.
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        // Normal: re-bias the exponent from 15 to 127.
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /** The nearest IEEE binary16 value (ties to even), as its bit pattern. */
    public static short floatToHalf(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7fff_ffff;
        if (abs > 0x7f80_0000) {
            // NaN: force the quiet bit so a payload that shifts out cannot turn it into infinity.
            return (short) (sign | 0x7e00 | ((abs >>> 13) & 0x3ff));
        }
        if (abs >= 0x477f_f000) {
            // 65520 and up: beyond half-way past the largest half (65504), so infinity.
            return (short) (sign | 0x7c00);
        }
        if (abs >= 0x3880_0000) {
            // Normal half range (>= 2^-14): re-bias, then round 23 mantissa bits to 10, ties to even.
            // A mantissa carry correctly increments the exponent.
            int rebiased = abs - 0x3800_0000;
            int rounded = rebiased + 0xfff + ((rebiased >>> 13) & 1);
            return (short) (sign | (rounded >>> 13));
        }
        // Subnormal or zero: units of 2^-24; scaling by a power of two is exact, rint ties to even.
        int units = (int) Math.rint(Float.intBitsToFloat(abs) * 0x1p24f);
        return (short) (sign | units);
    }

    /** The exact float value of a bfloat16 bit pattern. */
    public static float bf16ToFloat(short bf16) {
        return Float.intBitsToFloat((bf16 & 0xffff) << 16);
    }

    /** The nearest bfloat16 value (ties to even), as its bit pattern. */
    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7fff_ffff) > 0x7f80_0000) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int rounded = bits + 0x7fff + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    /**
     * Reads {@code count} elements of type {@code dtype} from the start of {@code data} (little-endian,
     * whatever the buffer's own order or position) and converts each to float. Integers beyond 2^24 and
     * F64 values lose precision as a Java cast does; BOOL gives 0 or 1.
     */
    public static float[] toFloats(DType dtype, ByteBuffer data, int count) {
        ByteBuffer in = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long needed = (long) count * dtype.byteSize();
        if (count < 0 || needed > in.remaining()) {
            throw new IllegalArgumentException(count + " " + dtype.code() + " elements need " + needed
                    + " bytes but the buffer has " + in.remaining());
        }
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            out[i] = readOne(dtype, in);
        }
        return out;
    }

    private static float readOne(DType dtype, ByteBuffer in) {
        return switch (dtype) {
            case F64 -> (float) in.getDouble();
            case F32 -> in.getFloat();
            case F16 -> halfToFloat(in.getShort());
            case BF16 -> bf16ToFloat(in.getShort());
            case I64 -> (float) in.getLong();
            case I32 -> (float) in.getInt();
            case I16 -> in.getShort();
            case I8 -> in.get();
            case U8 -> in.get() & 0xff;
            case BOOL -> in.get() != 0 ? 1f : 0f;
        };
    }
}
