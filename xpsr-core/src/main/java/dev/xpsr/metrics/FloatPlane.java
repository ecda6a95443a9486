package dev.xpsr.metrics;

import java.util.Arrays;

/**
 * A row-major float32 image plane (one channel), the working type of the numpy-style metrics (NIQE, BRISQUE).
 * The value array is copied in and out, so a plane never changes.
 */
public record FloatPlane(int height, int width, float[] values) {
    public FloatPlane {
        if (height < 0 || width < 0 || values.length != height * width) {
            throw new IllegalArgumentException(height + "x" + width + " plane needs " + height * width
                    + " values, got " + values.length);
        }
        values = values.clone();
    }

    @Override
    public float[] values() {
        return values.clone();
    }

    public float get(int row, int col) {
        return values[row * width + col];
    }

    /** The top-left {@code h × w} part. */
    public FloatPlane crop(int h, int w) {
        return block(0, 0, h, w);
    }

    /** The {@code h × w} block whose top-left pixel is (row, col). */
    public FloatPlane block(int row, int col, int h, int w) {
        if (row < 0 || col < 0 || row + h > height || col + w > width) {
            throw new IllegalArgumentException("block " + h + "x" + w + " at (" + row + ", " + col + ") outside "
                    + height + "x" + width);
        }
        float[] out = new float[h * w];
        for (int r = 0; r < h; r++) {
            System.arraycopy(values, (row + r) * width + col, out, r * w, w);
        }
        return new FloatPlane(h, w, out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FloatPlane p && p.height == height && p.width == width && Arrays.equals(p.values, values);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * height + width) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "FloatPlane[" + height + "x" + width + "]";
    }
}
