package dev.xpsr.prompt;

import dev.xpsr.io.RgbImage;

/**
 * The luma of an 8-bit RGB image as one plane of doubles in 0..255, row-major:
 * {@code Y = 0.299 R + 0.587 G + 0.114 B} (ITU-R BT.601, the luma JPEG compresses and PIL's {@code convert("L")}
 * computes, unrounded). The no-reference estimators of {@link DegradationAnalyser} all work on this plane.
 */
public record LumaPlane(int width, int height, double[] values) {
    public LumaPlane {
        if (width < 1 || height < 1 || values.length != (long) width * height) {
            throw new IllegalArgumentException("a " + width + "x" + height + " plane needs " + (long) width * height
                    + " values, got " + values.length);
        }
    }

    /** The BT.601 luma of {@code image}. */
    public static LumaPlane of(RgbImage image) {
        byte[] rgb = image.toHwcBytes();
        double[] y = new double[rgb.length / 3];
        for (int i = 0; i < y.length; i++) {
            y[i] = 0.299 * (rgb[3 * i] & 0xFF) + 0.587 * (rgb[3 * i + 1] & 0xFF) + 0.114 * (rgb[3 * i + 2] & 0xFF);
        }
        return new LumaPlane(image.width(), image.height(), y);
    }

    /** The value at column x, row y. */
    public double at(int x, int y) {
        return values[y * width + x];
    }
}
