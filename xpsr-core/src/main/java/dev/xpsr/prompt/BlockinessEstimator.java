package dev.xpsr.prompt;

/**
 * JPEG blocking artefacts measured at 8-pixel block boundaries.
 *
 * <p>Computes, on the luma and for each direction (horizontal shown; vertical is the same on columns), the
 * features of Z. Wang, H. R. Sheikh and A. C. Bovik, "No-reference perceptual quality assessment of JPEG
 * compressed images", ICIP 2002 (Zhou Wang's {@code jpeg_quality_score}):
 * <ul>
 *   <li>d(i, j) = x(i, j+1) − x(i, j);</li>
 *   <li>blockiness B = mean |d| over the block boundaries;</li>
 *   <li>activity A = (8 · mean |d| − B) / 7, the mean |d| inside blocks;</li>
 *   <li>zero-crossing rate Z = fraction of neighbouring d of opposite sign;</li>
 * </ul>
 * averaged over the two directions, and their predicted quality
 * S = α + β · B^(γ₁/10⁴) · A^(γ₂/10⁴) · Z^(γ₃/10⁴) with the paper's fitted α = −245.8909, β = 261.9373,
 * γ₁ = −239.8886, γ₂ = 160.1664, γ₃ = 64.2859 (about 1 = worst to 10 = best for JPEG images).
 *
 * <p>The boundaries are not assumed to sit at j ≡ 7 (mod 8), since a crop moves the grid: as in Z. Wang,
 * A. C. Bovik and B. L. Evans, "Blind measurement of blocking artifacts in images", ICIP 2000, the grid shows as
 * an 8-periodic peak of the absolute difference signal, so the phase is the residue mod 8 with the largest mean
 * |d|. The blockiness the prompt uses is that peak over the largest of the other seven residues: about 1 without
 * blocking, and, unlike B / A, not raised by 2- or 4-periodic patterns (an image upscaled ×2 or ×4 has those),
 * since those lift several residues together. S is reported beside it; it also falls with blur.
 */
public final class BlockinessEstimator {
    static final int BLOCK = 8;
    private static final double ALPHA = -245.8909;
    private static final double BETA = 261.9373;
    private static final double GAMMA1 = -239.8886;
    private static final double GAMMA2 = 160.1664;
    private static final double GAMMA3 = 64.2859;
    /** Keeps ratios and the model's fractional powers finite on flat images. */
    private static final double FLOOR = 1e-6;

    private BlockinessEstimator() {
    }

    /**
     * The measures of one image.
     *
     * @param blockiness   mean |d| at the grid phase over the largest other residue: about 1 without blocking
     * @param qualityScore the Wang-Sheikh-Bovik predicted quality S (higher is better)
     */
    public record Result(double blockiness, double qualityScore) {
    }

    /** The measures of {@code luma}; NaN values for planes under two blocks in either direction. */
    public static Result measure(LumaPlane luma) {
        if (luma.width() < 2 * BLOCK || luma.height() < 2 * BLOCK) {
            return new Result(Double.NaN, Double.NaN);
        }
        Features h = features(luma, true);
        Features v = features(luma, false);
        double b = (h.b + v.b) / 2;
        double a = (h.a + v.a) / 2;
        double z = (h.z + v.z) / 2;
        double score = ALPHA + BETA * Math.pow(Math.max(b, FLOOR), GAMMA1 / 1e4)
                * Math.pow(Math.max(a, FLOOR), GAMMA2 / 1e4) * Math.pow(Math.max(z, FLOOR), GAMMA3 / 1e4);
        return new Result((h.peakToNext + v.peakToNext) / 2, score);
    }

    private record Features(double b, double a, double z, double peakToNext) {
    }

    /** The features along rows ({@code horizontal}) or columns. */
    private static Features features(LumaPlane p, boolean horizontal) {
        int along = horizontal ? p.width() : p.height();
        int across = horizontal ? p.height() : p.width();
        double[] sumByResidue = new double[BLOCK];
        long[] countByResidue = new long[BLOCK];
        long crossings = 0;
        for (int line = 0; line < across; line++) {
            double previous = 0;
            for (int j = 0; j < along - 1; j++) {
                double d = horizontal ? p.at(j + 1, line) - p.at(j, line) : p.at(line, j + 1) - p.at(line, j);
                sumByResidue[j % BLOCK] += Math.abs(d);
                countByResidue[j % BLOCK]++;
                if (j > 0 && d * previous < 0) {
                    crossings++;
                }
                previous = d;
            }
        }
        double[] meanByResidue = new double[BLOCK];
        double total = 0;
        long count = 0;
        int phase = 0;
        for (int r = 0; r < BLOCK; r++) {
            meanByResidue[r] = sumByResidue[r] / countByResidue[r];
            total += sumByResidue[r];
            count += countByResidue[r];
            phase = meanByResidue[r] > meanByResidue[phase] ? r : phase;
        }
        double next = 0;
        for (int r = 0; r < BLOCK; r++) {
            next = r == phase ? next : Math.max(next, meanByResidue[r]);
        }
        double b = meanByResidue[phase];
        double a = (BLOCK * (total / count) - b) / (BLOCK - 1);
        double z = (double) crossings / ((long) across * (along - 2));
        return new Features(b, a, z, b / Math.max(next, FLOOR));
    }
}
