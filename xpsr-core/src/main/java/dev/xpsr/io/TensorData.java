package dev.xpsr.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor to be written: element type, shape, and its raw little-endian bytes in row-major order
 * (exactly the bytes a safetensors data block holds for it).
 *
 * <p>The constructor checks that the byte count equals numel × dtype size and keeps a read-only view of
 * the buffer's remaining bytes as they are at construction, so later changes to the caller's position
 * or limit cannot change what gets written. It is a view, not a copy (a mapped tensor from
 * {@link SafetensorsFile#data} can be written without copying it to the heap), so the caller must not
 * change the content before it is written. The shape is copied in and out. The factories encode Java
 * arrays little-endian, narrowing floats to F16/BF16 with round-to-nearest-even.
 */
public record TensorData(DType dtype, long[] shape, ByteBuffer bytes) {

    public TensorData {
        Objects.requireNonNull(dtype, "dtype");
        shape = Objects.requireNonNull(shape, "shape").clone();
        Objects.requireNonNull(bytes, "bytes");
        long expected = Math.multiplyExact(Shapes.numel(shape), (long) dtype.byteSize());
        if (bytes.remaining() != expected) {
            throw new IllegalArgumentException(dtype.code() + " " + Shapes.format(shape) + " needs " + expected
                    + " bytes but the buffer has " + bytes.remaining());
        }
        bytes = bytes.slice().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A copy of the shape. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** A fresh read-only, little-endian view of the bytes, position 0. */
    @Override
    public ByteBuffer bytes() {
        return bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Number of elements (1 for a scalar). */
    public long numel() {
        return Shapes.numel(shape);
    }

    /** Number of bytes. */
    public long byteLength() {
        return bytes.capacity();
    }

    /** An F32 tensor. */
    public static TensorData ofFloats(long[] shape, float[] values) {
        return ofFloats(DType.F32, shape, values);
    }

    /**
     * A floating-point tensor of type {@code dtype} (F64, F32, F16 or BF16) from float values; F16 and
     * BF16 are rounded to nearest even.
     */
    public static TensorData ofFloats(DType dtype, long[] shape, float[] values) {
        if (!dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("ofFloats makes floating-point tensors, not " + dtype.code());
        }
        ByteBuffer out = allocate(dtype, values.length);
        for (float v : values) {
            switch (dtype) {
                case F64 -> out.putDouble(v);
                case F32 -> out.putFloat(v);
                case F16 -> out.putShort(FloatCodec.floatToHalf(v));
                default -> out.putShort(FloatCodec.floatToBf16(v));
            }
        }
        return new TensorData(dtype, shape, out.flip());
    }

    /** An F64 tensor. */
    public static TensorData ofDoubles(long[] shape, double[] values) {
        ByteBuffer out = allocate(DType.F64, values.length);
        out.asDoubleBuffer().put(values);
        return new TensorData(DType.F64, shape, out);
    }

    /** An I64 tensor. */
    public static TensorData ofLongs(long[] shape, long[] values) {
        ByteBuffer out = allocate(DType.I64, values.length);
        out.asLongBuffer().put(values);
        return new TensorData(DType.I64, shape, out);
    }

    /** An I32 tensor. */
    public static TensorData ofInts(long[] shape, int[] values) {
        ByteBuffer out = allocate(DType.I32, values.length);
        out.asIntBuffer().put(values);
        return new TensorData(DType.I32, shape, out);
    }

    /** An I16 tensor, or F16/BF16 when the shorts are already half-precision bit patterns. */
    public static TensorData ofShorts(DType dtype, long[] shape, short[] values) {
        if (dtype.byteSize() != 2) {
            throw new IllegalArgumentException("ofShorts makes 2-byte tensors, not " + dtype.code());
        }
        ByteBuffer out = allocate(dtype, values.length);
        out.asShortBuffer().put(values);
        return new TensorData(dtype, shape, out);
    }

    /** A BOOL tensor (one byte per element, 0 or 1). */
    public static TensorData ofBooleans(long[] shape, boolean[] values) {
        ByteBuffer out = allocate(DType.BOOL, values.length);
        for (boolean v : values) {
            out.put((byte) (v ? 1 : 0));
        }
        return new TensorData(DType.BOOL, shape, out.flip());
    }

    /** A tensor of any dtype from its raw little-endian bytes (e.g. U8 images, I8); the array is copied. */
    public static TensorData ofBytes(DType dtype, long[] shape, byte[] littleEndianBytes) {
        return new TensorData(dtype, shape, ByteBuffer.wrap(littleEndianBytes.clone()));
    }

    private static ByteBuffer allocate(DType dtype, int count) {
        return ByteBuffer.allocate(Math.multiplyExact(count, dtype.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorData t && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && bytes.equals(t.bytes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(dtype, Arrays.hashCode(shape), bytes);
    }

    @Override
    public String toString() {
        return "TensorData[" + dtype.code() + " " + Shapes.format(shape) + ", " + bytes.capacity() + " bytes]";
    }
}
