package dev.xpsr.io;

import java.util.Arrays;
import java.util.Objects;

/**
 * One entry of a safetensors header: a tensor's name, element type, shape and byte range.
 *
 * <p>{@code begin} and {@code end} are the header's {@code data_offsets}: byte offsets relative to the
 * start of the data block (which follows the 8-byte length and the JSON header), end exclusive. A shape
 * of {@code []} is a scalar (one element); a shape with a 0 dimension is an empty tensor.
 *
 * <p>Instances are always self-consistent (non-negative dims, {@code end - begin == numel * byteSize}):
 * the constructor refuses anything else, so holders never need to re-check. The shape is copied in and
 * out, so a {@code TensorInfo} is immutable.
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {

    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = Objects.requireNonNull(shape, "shape").clone();
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException(
                    "tensor " + name + ": data_offsets [" + begin + ", " + end + "] are not 0 <= begin <= end");
        }
        long expected = byteLength(dtype, shape);
        if (end - begin != expected) {
            throw new IllegalArgumentException("tensor " + name + ": " + (end - begin) + " bytes but "
                    + dtype.code() + Shapes.format(shape) + " needs " + expected);
        }
    }

    /** A copy of the shape (empty for a scalar). */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of dimensions (0 for a scalar). */
    public int rank() {
        return shape.length;
    }

    /** Number of elements: the product of the shape, 1 for a scalar. */
    public long numel() {
        return Shapes.numel(shape);
    }

    /** Number of data bytes, {@code end - begin}. */
    public long byteLength() {
        return end - begin;
    }

    private static long byteLength(DType dtype, long[] shape) {
        return Math.multiplyExact(Shapes.numel(shape), (long) dtype.byteSize());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype
                && Arrays.equals(shape, t.shape) && begin == t.begin && end == t.end;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
    }

    @Override
    public String toString() {
        return name + " " + dtype.code() + Shapes.format(shape) + " @[" + begin + ", " + end + ")";
    }
}
