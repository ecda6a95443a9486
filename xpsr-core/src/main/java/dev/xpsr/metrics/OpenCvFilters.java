package dev.xpsr.metrics;

/**
 * The OpenCV 4.6 image operations BRISQUE uses, on float32 planes, with OpenCV's float32 arithmetic on x86-64
 * (AVX2/FMA3 dispatch for the filters, SSE2 baseline for the resize), so results agree bit for bit:
 * {@code getGaussianKernel}, {@code GaussianBlur} ({@code sepFilter2D}) with {@code BORDER_REPLICATE}, and
 * {@code resize(INTER_CUBIC)}. Exactness matters: BRISQUE's MSCN divides by a local deviation computed as a
 * difference of nearly equal float32 numbers, so one-ulp differences move features by up to 1e-3.
 */
final class OpenCvFilters {
    private static final float CUBIC_A = -0.75f;
    /** Lanes of the SSE2 baseline vectors OpenCV's vertical resize pass uses. */
    private static final int RESIZE_LANES = 4;

    private OpenCvFilters() {
    }

    /**
     * {@code getGaussianKernel(n, sigma, CV_32F)}: OpenCV's bit-exact float64 kernel exp(−x²/(2σ²)),
     * x = i − (n−1)/2, normalised by its sum (the half below the centre summed, doubled, plus the centre 1),
     * then rounded to float32.
     */
    static float[] gaussianKernel(int n, double sigma) {
        double scale2X = -0.125 / (sigma * sigma);
        int half = (n - 1) / 2;
        double[] values = new double[half];
        double sum = 0;
        for (int i = 0, x = 1 - n; i < half; i++, x += 2) {
            values[i] = StrictMath.exp(x * x * scale2X);
            sum += values[i];
        }
        sum = sum * 2 + 1;
        double mul = 1 / sum;
        float[] k = new float[n];
        for (int i = 0; i < half; i++) {
            k[i] = (float) (values[i] * mul);
            k[n - 1 - i] = k[i];
        }
        k[half] = (float) mul;
        return k;
    }

    /**
     * {@code sepFilter2D} with an odd symmetric kernel, edge pixels replicated: rows as
     * {@code RowVec_32f_AVX} (a fused multiply-add chain over the taps, from the left), then columns as
     * {@code SymmColumnVec_32f_Symm_AVX} (centre tap times the row, then fused multiply-adds of the symmetric
     * pairs' sums, nearest pair first).
     */
    static float[] sepFilterReplicate(float[] img, int h, int w, float[] kernel) {
        int r = kernel.length / 2;
        float[] rows = new float[img.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                float s = 0f;
                for (int t = 0; t < kernel.length; t++) {
                    s = Math.fma(img[y * w + clamp(x + t - r, w)], kernel[t], s);
                }
                rows[y * w + x] = s;
            }
        }
        float[] out = new float[img.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                float s = rows[y * w + x] * kernel[r];
                for (int k = 1; k <= r; k++) {
                    float pair = rows[clamp(y + k, h) * w + x] + rows[clamp(y - k, h) * w + x];
                    s = Math.fma(pair, kernel[r + k], s);
                }
                out[y * w + x] = s;
            }
        }
        return out;
    }

    /**
     * {@code cv::resize(src, dst, Size(dw, dh), 0, 0, INTER_CUBIC)} of a float32 plane: Keys' cubic with
     * a = −0.75 at source coordinate (d + ½)·(src/dst) − ½, taps outside the image clamped to the edge; a
     * same-size resize is a copy, as in OpenCV. Rows first ({@code HResizeCubic}: taps summed left to right),
     * then columns ({@code VResizeCubicVec_32f}: {@code v_muladd} nesting p0 + (p1 + (p2 + p3)), the last
     * width mod 4 columns left to right).
     */
    static FloatPlane resizeCubic(FloatPlane src, int dw, int dh) {
        int sw = src.width();
        int sh = src.height();
        if (dw == sw && dh == sh) {
            return src;
        }
        if (dw < 1 || dh < 1) {
            throw new IllegalArgumentException("image of " + sw + "x" + sh + " is too small to halve");
        }
        float[] v = src.values();
        Taps xs = taps(sw, dw);
        Taps ys = taps(sh, dh);
        float[] horizontal = new float[sh * dw];
        for (int y = 0; y < sh; y++) {
            for (int dx = 0; dx < dw; dx++) {
                float[] c = xs.coeffs()[dx];
                int f = xs.first()[dx];
                int row = y * sw;
                horizontal[y * dw + dx] = v[row + clamp(f, sw)] * c[0] + v[row + clamp(f + 1, sw)] * c[1]
                        + v[row + clamp(f + 2, sw)] * c[2] + v[row + clamp(f + 3, sw)] * c[3];
            }
        }
        float[] out = new float[dh * dw];
        int vectorWidth = dw - dw % RESIZE_LANES;
        for (int dy = 0; dy < dh; dy++) {
            float[] c = ys.coeffs()[dy];
            int f = ys.first()[dy];
            int r0 = clamp(f, sh) * dw;
            int r1 = clamp(f + 1, sh) * dw;
            int r2 = clamp(f + 2, sh) * dw;
            int r3 = clamp(f + 3, sh) * dw;
            for (int dx = 0; dx < dw; dx++) {
                float p0 = horizontal[r0 + dx] * c[0];
                float p1 = horizontal[r1 + dx] * c[1];
                float p2 = horizontal[r2 + dx] * c[2];
                float p3 = horizontal[r3 + dx] * c[3];
                out[dy * dw + dx] = dx < vectorWidth ? p0 + (p1 + (p2 + p3)) : p0 + p1 + p2 + p3;
            }
        }
        return new FloatPlane(dh, dw, out);
    }

    /** Per output pixel: the first of four source taps and their float32 cubic coefficients. */
    private record Taps(int[] first, float[][] coeffs) {
    }

    private static Taps taps(int src, int dst) {
        double scale = (double) src / dst;
        int[] first = new int[dst];
        float[][] coeffs = new float[dst][];
        for (int d = 0; d < dst; d++) {
            float f = (float) ((d + 0.5) * scale - 0.5);
            int s = (int) Math.floor(f);
            first[d] = s - 1;
            coeffs[d] = cubicCoefficients(f - s);
        }
        return new Taps(first, coeffs);
    }

    /** imgwarp's {@code interpolateCubic}, in float32. */
    private static float[] cubicCoefficients(float x) {
        float a = CUBIC_A;
        float c0 = ((a * (x + 1) - 5 * a) * (x + 1) + 8 * a) * (x + 1) - 4 * a;
        float c1 = ((a + 2) * x - (a + 3)) * x * x + 1;
        float c2 = ((a + 2) * (1 - x) - (a + 3)) * (1 - x) * (1 - x) + 1;
        return new float[] {c0, c1, c2, 1.f - c0 - c1 - c2};
    }

    private static int clamp(int i, int n) {
        return Math.min(Math.max(i, 0), n - 1);
    }
}
