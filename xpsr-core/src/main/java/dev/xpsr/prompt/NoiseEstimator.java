package dev.xpsr.prompt;

/**
 * Standard deviation of additive white Gaussian noise, in 8-bit grey levels, estimated from one image.
 *
 * <p>Implements J. Immerkær, "Fast Noise Variance Estimation", <i>Computer Vision and Image Understanding</i>
 * 64(2):300–302, 1996: the image is filtered with the difference of two Laplacians
 * <pre>
 *     N = [ 1 -2  1
 *          -2  4 -2
 *           1 -2  1 ]
 * </pre>
 * which cancels locally linear image structure, and σ = √(π/2) · mean|I ∗ N| / 6 (for Gaussian noise
 * E|I ∗ N| = 6σ·√(2/π), since the kernel's squared norm is 36).
 *
 * <p>Edges still leak into the sum, so pixels on edges are left out as proposed by S.-C. Tai and S.-M. Yang,
 * "A fast method for image noise estimation using Laplacian operator and adaptive edge detection", ISCCSP 2008:
 * the Sobel gradient magnitude |Gx| + |Gy| is computed and the pixels above its {@value #EDGE_QUANTILE} quantile
 * (the strongest 10 %) are excluded.
 */
public final class NoiseEstimator {
    /** Pixels with a gradient above this quantile count as edges (Tai &amp; Yang's p = 10 %). */
    static final double EDGE_QUANTILE = 0.9;

    private NoiseEstimator() {
    }

    /** The noise σ of {@code luma} in grey levels, or NaN for planes smaller than 3 × 3. */
    public static double sigma(LumaPlane luma) {
        int w = luma.width();
        int h = luma.height();
        if (w < 3 || h < 3) {
            return Double.NaN;
        }
        int n = (w - 2) * (h - 2);
        float[] laplace = new float[n];
        float[] gradient = new float[n];
        for (int y = 1; y < h - 1; y++) {
            for (int x = 1; x < w - 1; x++) {
                int i = (y - 1) * (w - 2) + (x - 1);
                laplace[i] = (float) Math.abs(laplacianDifference(luma, x, y));
                gradient[i] = (float) sobelMagnitude(luma, x, y);
            }
        }
        double threshold = quantile(gradient, EDGE_QUANTILE);
        double sum = 0;
        long count = 0;
        for (int i = 0; i < n; i++) {
            // the bin edge lies above every value of the quantile's bin, so even a flat image keeps its pixels
            if (gradient[i] < threshold) {
                sum += laplace[i];
                count++;
            }
        }
        return Math.sqrt(Math.PI / 2) * sum / (6.0 * count);
    }

    private static double laplacianDifference(LumaPlane p, int x, int y) {
        double corners = p.at(x - 1, y - 1) + p.at(x + 1, y - 1) + p.at(x - 1, y + 1) + p.at(x + 1, y + 1);
        double sides = p.at(x, y - 1) + p.at(x - 1, y) + p.at(x + 1, y) + p.at(x, y + 1);
        return corners - 2 * sides + 4 * p.at(x, y);
    }

    private static double sobelMagnitude(LumaPlane p, int x, int y) {
        double gx = (p.at(x + 1, y - 1) + 2 * p.at(x + 1, y) + p.at(x + 1, y + 1))
                - (p.at(x - 1, y - 1) + 2 * p.at(x - 1, y) + p.at(x - 1, y + 1));
        double gy = (p.at(x - 1, y + 1) + 2 * p.at(x, y + 1) + p.at(x + 1, y + 1))
                - (p.at(x - 1, y - 1) + 2 * p.at(x, y - 1) + p.at(x + 1, y - 1));
        return Math.abs(gx) + Math.abs(gy);
    }

    /**
     * The q-quantile of {@code values} (non-negative) to within {@value #QUANTILE_STEP} grey levels: the upper edge
     * of the histogram bin holding the nearest-rank quantile, so every value of that bin lies below it. A histogram
     * keeps this linear in the pixel count.
     */
    static double quantile(float[] values, double q) {
        float max = 0;
        for (float v : values) {
            max = Math.max(max, v);
        }
        int[] histogram = new int[(int) (max / QUANTILE_STEP) + 1];
        for (float v : values) {
            histogram[(int) (v / QUANTILE_STEP)]++;
        }
        long rank = Math.max(1, (long) Math.ceil(q * values.length));
        long seen = 0;
        for (int bin = 0; bin < histogram.length; bin++) {
            seen += histogram[bin];
            if (seen >= rank) {
                return (bin + 1) * QUANTILE_STEP;
            }
        }
        return histogram.length * QUANTILE_STEP;
    }

    /** Bin width of the gradient histogram, in grey levels of |Gx| + |Gy| (which spans 0..2040). */
    static final double QUANTILE_STEP = 0.25;
}
