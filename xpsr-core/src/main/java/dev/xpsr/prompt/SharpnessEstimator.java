package dev.xpsr.prompt;

/**
 * Variance of the Laplacian, a focus (sharpness) measure: the 4-neighbour Laplacian
 * {@code [[0,1,0],[1,-4,1],[0,1,0]]} is applied to the luma and the variance of its response over the interior
 * pixels is returned, in squared grey levels. Higher is sharper.
 *
 * <p>Implements the "variance of Laplacian" (LAP4 / VOLL) operator of J. L. Pech-Pacheco, G. Cristóbal,
 * J. Chamorro-Martínez and J. Fernández-Valdivia, "Diatom autofocusing in brightfield microscopy: a comparative
 * study", ICPR 2000 (the kernel is OpenCV's {@code Laplacian} with {@code ksize=1}). It depends on content and
 * rises with noise, so the blur verdict uses {@link BlurEffectEstimator}; this value is reported beside it.
 */
public final class SharpnessEstimator {
    private SharpnessEstimator() {
    }

    /** The variance of the Laplacian of {@code luma}, or NaN for planes smaller than 3 × 3. */
    public static double laplacianVariance(LumaPlane luma) {
        int w = luma.width();
        int h = luma.height();
        if (w < 3 || h < 3) {
            return Double.NaN;
        }
        double sum = 0;
        double sumSq = 0;
        for (int y = 1; y < h - 1; y++) {
            for (int x = 1; x < w - 1; x++) {
                double l = luma.at(x, y - 1) + luma.at(x - 1, y) + luma.at(x + 1, y) + luma.at(x, y + 1)
                        - 4 * luma.at(x, y);
                sum += l;
                sumSq += l * l;
            }
        }
        double n = (double) (w - 2) * (h - 2);
        double mean = sum / n;
        return sumSq / n - mean * mean;
    }
}
