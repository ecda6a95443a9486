package dev.xpsr.metrics;

/**
 * Pillow's bicubic {@code Image.resize} of a 32-bit float ({@code mode='F'}) plane, as clean-fid resizes each
 * channel: {@code src/libImaging/Resample.c} with the float path, i.e. the same antialiasing window as for 8-bit
 * images (filter support stretched by the scale factor when downsampling, weights normalised to sum 1) but the
 * weights stay in double, each output sums {@code pixel · weight} in double and is stored as float. The
 * horizontal pass runs first and its float result feeds the vertical pass; a pass whose size does not change is
 * skipped. Bicubic is Keys' cubic with a = −0.5, support 2.
 */
final class PilFloatResize {
    private static final double SUPPORT = 2.0;
    private static final double A = -0.5;

    private PilFloatResize() {
    }

    /** Resizes the row-major plane {@code in} (height × width) to outHeight × outWidth. */
    static float[] bicubic(float[] in, int width, int height, int outWidth, int outHeight) {
        if (in.length != (long) width * height) {
            throw new IllegalArgumentException("plane of " + in.length + " values is not " + width + "x" + height);
        }
        if (outWidth < 1 || outHeight < 1) {
            throw new IllegalArgumentException("size must be positive, got " + outWidth + "x" + outHeight);
        }
        float[] p = in;
        if (outWidth != width) {
            p = horizontal(p, width, height, outWidth, Window.of(width, outWidth));
        }
        if (outHeight != height) {
            p = vertical(p, outWidth, height, outHeight, Window.of(height, outHeight));
        }
        return p == in ? in.clone() : p;
    }

    /** Keys' cubic convolution kernel with a = −0.5 ({@code bicubic_filter}). */
    static double kernel(double x) {
        double t = Math.abs(x);
        if (t < 1.0) {
            return ((A + 2.0) * t - (A + 3.0)) * t * t + 1;
        }
        if (t < 2.0) {
            return (((t - 5) * t + 8) * t - 4) * A;
        }
        return 0.0;
    }

    /** Per output index: first input index and normalised double weights ({@code precompute_coeffs}). */
    record Window(int[] start, double[][] weights) {
        static Window of(int inSize, int outSize) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = SUPPORT * filterScale;
            double ss = 1.0 / filterScale;
            int[] start = new int[outSize];
            double[][] weights = new double[outSize][];
            for (int xx = 0; xx < outSize; xx++) {
                double center = (xx + 0.5) * scale;
                // (int)(v + 0.5) truncates toward zero, as the C cast does
                int xmin = Math.max((int) (center - support + 0.5), 0);
                int n = Math.max(Math.min((int) (center + support + 0.5), inSize) - xmin, 0);
                double[] w = new double[n];
                double sum = 0;
                for (int x = 0; x < n; x++) {
                    // multiplied by the reciprocal, as Resample.c does (a division would round differently)
                    w[x] = kernel((x + xmin - center + 0.5) * ss);
                    sum += w[x];
                }
                if (sum != 0.0) {
                    for (int x = 0; x < n; x++) {
                        w[x] /= sum;
                    }
                }
                start[xx] = xmin;
                weights[xx] = w;
            }
            return new Window(start, weights);
        }
    }

    private static float[] horizontal(float[] in, int width, int height, int outWidth, Window win) {
        float[] out = new float[outWidth * height];
        for (int y = 0; y < height; y++) {
            for (int xx = 0; xx < outWidth; xx++) {
                double[] k = win.weights()[xx];
                int base = y * width + win.start()[xx];
                double ss = 0.0;
                for (int x = 0; x < k.length; x++) {
                    ss += in[base + x] * k[x];
                }
                out[y * outWidth + xx] = (float) ss;
            }
        }
        return out;
    }

    private static float[] vertical(float[] in, int width, int height, int outHeight, Window win) {
        float[] out = new float[width * outHeight];
        for (int yy = 0; yy < outHeight; yy++) {
            double[] k = win.weights()[yy];
            int first = win.start()[yy];
            for (int x = 0; x < width; x++) {
                double ss = 0.0;
                for (int y = 0; y < k.length; y++) {
                    ss += in[(first + y) * width + x] * k[y];
                }
                out[yy * width + x] = (float) ss;
            }
        }
        return out;
    }
}
