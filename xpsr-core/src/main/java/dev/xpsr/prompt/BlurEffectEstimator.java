package dev.xpsr.prompt;

/**
 * The no-reference perceptual blur metric of F. Crété-Roffet, T. Dolmière, P. Ladret and M. Nicolas, "The Blur
 * Effect: Perception and Estimation with a New No-Reference Perceptual Blur Metric", SPIE Electronic Imaging
 * (Human Vision and Electronic Imaging XII), 2007. Result in [0, 1]: 0 sharp, 1 blurry.
 *
 * <p>The idea: blurring a sharp image changes its neighbour differences a lot, blurring a blurry one hardly at
 * all. For each direction the luma F is re-blurred with a 1 × {@value #FILTER_SIZE} box filter into B;
 * with D_F = |F(i) − F(i−1)| and D_B = |B(i) − B(i−1)| along that direction, V = max(0, D_F − D_B),
 * b = (ΣD_F − ΣV) / ΣD_F, summed over the pixels at least one filter length from the border. The result is the
 * larger of the vertical and horizontal b. Borders of B are mirrored (scikit-image's {@code blur_effect}, which
 * implements the same metric, does the same; it uses an 11-tap filter where the paper uses 9).
 */
public final class BlurEffectEstimator {
    /** The re-blur filter length of the paper. */
    static final int FILTER_SIZE = 9;

    private BlurEffectEstimator() {
    }

    /** The blur effect of {@code luma} in [0, 1], or NaN when a side is under three filter lengths. */
    public static double blurEffect(LumaPlane luma) {
        if (luma.width() < 3 * FILTER_SIZE || luma.height() < 3 * FILTER_SIZE) {
            return Double.NaN;
        }
        return Math.max(directional(luma, true), directional(luma, false));
    }

    private static double directional(LumaPlane f, boolean horizontal) {
        int w = f.width();
        int h = f.height();
        double[] blurred = boxFilter(f, horizontal);
        double sumF = 0;
        double sumV = 0;
        int step = horizontal ? 1 : w;
        for (int y = FILTER_SIZE; y < h - FILTER_SIZE; y++) {
            for (int x = FILTER_SIZE; x < w - FILTER_SIZE; x++) {
                int i = y * w + x;
                double dF = Math.abs(f.values()[i] - f.values()[i - step]);
                double dB = Math.abs(blurred[i] - blurred[i - step]);
                sumF += dF;
                sumV += Math.max(0, dF - dB);
            }
        }
        // a constant image has no variation to lose: call it neither sharp nor blurred, but blurred
        return sumF == 0 ? 1.0 : (sumF - sumV) / sumF;
    }

    /**
     * A centred box filter along one direction, borders mirrored (half-sample symmetric, scipy's "reflect"),
     * as a running sum along each line.
     */
    private static double[] boxFilter(LumaPlane f, boolean horizontal) {
        int w = f.width();
        int h = f.height();
        int n = horizontal ? w : h;
        int lines = horizontal ? h : w;
        int step = horizontal ? 1 : w;
        int half = FILTER_SIZE / 2;
        double[] v = f.values();
        double[] out = new double[w * h];
        for (int line = 0; line < lines; line++) {
            int base = horizontal ? line * w : line;
            double sum = 0;
            for (int k = -half; k <= half; k++) {
                sum += v[base + reflect(k, n) * step];
            }
            for (int i = 0; i < n; i++) {
                out[base + i * step] = sum / FILTER_SIZE;
                sum += v[base + reflect(i + half + 1, n) * step] - v[base + reflect(i - half, n) * step];
            }
        }
        return out;
    }

    private static int reflect(int i, int n) {
        if (i < 0) {
            return -i - 1;
        }
        return i >= n ? 2 * n - i - 1 : i;
    }
}
