package dev.xpsr.metrics;

import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * The Fréchet distance between two Gaussians N(μ1, Σ1) and N(μ2, Σ2), the formula of FID,
 * <pre>
 *   d² = |μ1 − μ2|² + tr Σ1 + tr Σ2 − 2 tr √(Σ1 Σ2),
 * </pre>
 * and the sample statistics it is applied to, computed as pyiqa 0.1.10's {@code FID.forward} computes them
 * between two folders (numpy and scipy 1.10):
 * <ul>
 *   <li>μ = {@code np.mean(feats, axis=0)} of the float32 features: in float32, the rows added one by one, then
 *       divided by n;</li>
 *   <li>Σ = {@code np.cov(feats, rowvar=False)}: in float64, the centred features' Gram matrix times 1/(n − 1);</li>
 *   <li>{@code frechet_distance(mu1, sigma1, mu2, sigma2, eps=1e-6)}: √(Σ1Σ2) by scipy's Schur method
 *       ({@link MatrixSquareRoot}); if that has a non-finite entry (the method failed, as it does when each set
 *       has a different constant feature), 1e-6·I is added to <b>both</b> covariances for the root only and it is
 *       taken again; a complex root is an error if an imaginary part of its diagonal exceeds 1e-3, else its real
 *       part is used (fewer samples than dimensions give tiny complex or negative eigenvalues); |μ1 − μ2|² is a
 *       float32 dot product, the rest float64.</li>
 * </ul>
 * The Schur method is what makes the distance of two 2048-d Inception sets cost about 20 s on one core (the
 * Schur form alone half of it), as it does in pyiqa; a symmetric eigen-decomposition would be faster but differs
 * where scipy's root fails or its blocks meet (the eps branch changes the distance by ~1e-4 relative).
 */
public final class FrechetDistance {
    /** pyiqa's {@code eps}, added to both diagonals when the first square root fails. */
    static final double EPS = 1e-6;
    /** {@code np.allclose(diag.imag, 0, atol=1e-3)}: the largest imaginary part of the root's diagonal allowed. */
    static final double IMAGINARY_TOLERANCE = 1e-3;

    private FrechetDistance() {
    }

    /**
     * Mean and covariance of a set of feature vectors.
     *
     * @param mean       (d), float32 as numpy computes it from float32 features
     * @param covariance (d × d) row-major, unbiased (ddof 1), as {@code np.cov(x, rowvar=False)}
     * @param count      the number of feature vectors
     */
    public record Statistics(float[] mean, double[] covariance, int count) {
        public Statistics {
            if (covariance.length != (long) mean.length * mean.length) {
                throw new IllegalArgumentException("covariance of " + covariance.length + " values does not match a "
                        + "mean of " + mean.length);
            }
        }

        public int dimension() {
            return mean.length;
        }
    }

    /**
     * The terms of the distance.
     *
     * @param distance     d², in float64
     * @param meanTerm     |μ1 − μ2|², the float32 dot product
     * @param traceRoot    tr √(Σ1Σ2) (real part), with the eps offset if it was needed
     * @param offsetAdded  whether the first square root was not finite and eps·I was added
     * @param complexRoot  whether the square root used was complex (its real part taken)
     */
    public record Terms(double distance, float meanTerm, double traceRoot, boolean offsetAdded,
                        boolean complexRoot) {
    }

    /** The statistics of {@code features} (n ≥ 2 float32 vectors of equal length d). */
    public static Statistics statistics(float[][] features) {
        if (features.length < 2) {
            throw new IllegalArgumentException("a covariance needs at least 2 feature vectors, got " + features.length);
        }
        int d = features[0].length;
        for (int i = 0; i < features.length; i++) {
            if (features[i].length != d) {
                throw new IllegalArgumentException("feature vector " + i + " has " + features[i].length
                        + " values, not " + d);
            }
        }
        return new Statistics(float32Mean(features, d), covariance(features, d), features.length);
    }

    /** {@code np.mean(x, axis=0)} of a float32 array: a float32 running sum over the rows, then one division. */
    private static float[] float32Mean(float[][] features, int d) {
        float[] sum = new float[d];
        for (float[] row : features) {
            for (int j = 0; j < d; j++) {
                sum[j] += row[j];
            }
        }
        for (int j = 0; j < d; j++) {
            sum[j] /= features.length;
        }
        return sum;
    }

    /** {@code np.cov(x, rowvar=False)}: float64 mean, centred x, xᵀx multiplied by 1/(n − 1). */
    private static double[] covariance(float[][] features, int d) {
        int n = features.length;
        double[] flat = new double[n * d];
        double[] mean = new double[d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                flat[i * d + j] = features[i][j];
                mean[j] += features[i][j];
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] /= n;
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                flat[i * d + j] -= mean[j];
            }
        }
        try (PointerScope scope = new PointerScope()) {
            Tensor x = Torch.fromDoubles(flat, n, d);
            return Torch.toDoubles(Torch.mul(x.t().matmul(x), 1.0 / (n - 1)));
        }
    }

    /** d² between the Gaussians of {@code a} and {@code b} (same dimension). */
    public static double distance(Statistics a, Statistics b) {
        return terms(a, b).distance();
    }

    /**
     * d² and its terms.
     *
     * @throws ArithmeticException if the square root is complex with an imaginary diagonal part above 1e-3, as
     *                             pyiqa raises
     */
    public static Terms terms(Statistics a, Statistics b) {
        if (a.dimension() != b.dimension()) {
            throw new IllegalArgumentException("statistics of dimension " + a.dimension() + " and "
                    + b.dimension() + " cannot be compared");
        }
        int d = a.dimension();
        double[] s1 = a.covariance();
        double[] s2 = b.covariance();
        MatrixSquareRoot.Root root = MatrixSquareRoot.sqrtm(Lapack.dgemm(s1, s2, d), d);
        boolean offset = !root.value().isFinite();
        if (offset) {
            root = MatrixSquareRoot.sqrtm(Lapack.dgemm(plusDiagonal(s1, d), plusDiagonal(s2, d), d), d);
        }
        double traceRoot = realTrace(root);
        float meanTerm = meanTerm(a.mean(), b.mean());
        double distance = meanTerm + trace(s1, d) + trace(s2, d) - 2 * traceRoot;
        return new Terms(distance, meanTerm, traceRoot, offset, root.complex());
    }

    /** The trace of the root's real part, refused as pyiqa does if its diagonal is not nearly real. */
    private static double realTrace(MatrixSquareRoot.Root root) {
        ComplexMatrix x = root.value();
        int d = x.rows();
        double[] diagonal = new double[d];
        for (int i = 0; i < d; i++) {
            if (root.complex() && !(Math.abs(x.im(i, i)) <= IMAGINARY_TOLERANCE)) {
                throw new ArithmeticException("the square root of the covariance product has an imaginary component "
                        + maxAbsImaginary(x) + " (diagonal entry " + i + ": " + x.im(i, i) + "); the feature sets "
                        + "are too small or degenerate for a Fréchet distance");
            }
            diagonal[i] = x.re(i, i);
        }
        return NumpySums.sum(diagonal, 0, d);
    }

    private static double maxAbsImaginary(ComplexMatrix x) {
        double max = 0;
        for (int i = 0; i < x.rows(); i++) {
            for (int j = 0; j < x.cols(); j++) {
                max = Math.max(max, Math.abs(x.im(i, j)));
            }
        }
        return max;
    }

    /** (μ1 − μ2)·(μ1 − μ2) with float32 differences and {@code sdot}, as numpy's dot of float32 vectors. */
    private static float meanTerm(float[] m1, float[] m2) {
        float[] diff = new float[m1.length];
        for (int i = 0; i < diff.length; i++) {
            diff[i] = m1[i] - m2[i];
        }
        return Lapack.sdot(diff, diff);
    }

    /** {@code np.trace}: the diagonal summed in numpy's pairwise order. */
    private static double trace(double[] m, int d) {
        double[] diagonal = new double[d];
        for (int i = 0; i < d; i++) {
            diagonal[i] = m[i * d + i];
        }
        return NumpySums.sum(diagonal, 0, d);
    }

    private static double[] plusDiagonal(double[] m, int d) {
        double[] out = m.clone();
        for (int i = 0; i < d; i++) {
            out[i * d + i] += EPS;
        }
        return out;
    }
}
