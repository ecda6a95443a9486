package dev.xpsr.metrics;

import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The Fréchet distance between two Gaussians N(μ1, Σ1) and N(μ2, Σ2), the formula of FID:
 * <pre>
 *   d² = |μ1 − μ2|² + tr Σ1 + tr Σ2 − 2 tr √(Σ1 Σ2)
 * </pre>
 * and the sample statistics it is applied to. Everything is in double precision.
 *
 * <p><b>Numerical approach.</b> The references (pytorch-fid, clean-fid, pyiqa) take {@code scipy.linalg.sqrtm}
 * of the non-symmetric product Σ1Σ2 (a Schur method), retry with 1e-6 added to both diagonals if the result is not
 * finite, and drop a small imaginary part. Only the trace of the root is needed, and for positive semi-definite
 * Σ1, Σ2 the product Σ1Σ2 has the same eigenvalues as the symmetric S = √Σ1 · Σ2 · √Σ1; so here √Σ1 comes from
 * the symmetric eigen-decomposition of Σ1 (negative rounding-noise eigenvalues set to 0), S is formed and
 * symmetrised, and tr √(Σ1Σ2) = Σ √max(λᵢ(S), 0). This needs no complex arithmetic and no retry, and is exact
 * for singular covariances (fewer images than feature dimensions), where the Schur route is least accurate; the
 * two agree to rounding on well-conditioned inputs.
 */
public final class FrechetDistance {
    private FrechetDistance() {
    }

    /**
     * Mean and covariance of a set of feature vectors.
     *
     * @param mean       (d)
     * @param covariance (d × d) row-major, unbiased (divided by n − 1), as {@code np.cov(x, rowvar=False)}
     */
    public record Statistics(double[] mean, double[] covariance, int count) {
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

    /** The statistics of {@code features} (n vectors of equal length d, n ≥ 2). */
    public static Statistics statistics(double[][] features) {
        if (features.length < 2) {
            throw new IllegalArgumentException("a covariance needs at least 2 feature vectors, got " + features.length);
        }
        int d = features[0].length;
        double[] flat = new double[features.length * d];
        for (int i = 0; i < features.length; i++) {
            if (features[i].length != d) {
                throw new IllegalArgumentException("feature vector " + i + " has " + features[i].length
                        + " values, not " + d);
            }
            System.arraycopy(features[i], 0, flat, i * d, d);
        }
        try (PointerScope scope = new PointerScope()) {
            Tensor x = Torch.fromDoubles(flat, features.length, d);
            Tensor mean = Torch.mean(x, 0, true);
            Tensor centered = x.sub(mean);
            Tensor cov = Torch.div(centered.t().matmul(centered), features.length - 1);
            return new Statistics(Torch.toDoubles(mean), Torch.toDoubles(cov), features.length);
        }
    }

    /** d² between the Gaussians of {@code a} and {@code b} (same dimension). */
    public static double distance(Statistics a, Statistics b) {
        if (a.dimension() != b.dimension()) {
            throw new IllegalArgumentException("statistics of dimension " + a.dimension() + " and "
                    + b.dimension() + " cannot be compared");
        }
        int d = a.dimension();
        double meanTerm = 0;
        for (int i = 0; i < d; i++) {
            double diff = a.mean()[i] - b.mean()[i];
            meanTerm += diff * diff;
        }
        try (PointerScope scope = new PointerScope()) {
            Tensor s1 = Torch.fromDoubles(a.covariance(), d, d);
            Tensor s2 = Torch.fromDoubles(b.covariance(), d, d);
            double traces = s1.trace().item_double() + s2.trace().item_double();
            return meanTerm + traces - 2 * traceOfRootOfProduct(s1, s2);
        }
    }

    /** tr √(Σ1Σ2) as Σ √λ(√Σ1 Σ2 √Σ1), for symmetric positive semi-definite double (d, d) tensors. */
    static double traceOfRootOfProduct(Tensor s1, Tensor s2) {
        Tensor root = symmetricRoot(symmetrised(s1));
        Tensor inner = symmetrised(root.matmul(s2).matmul(root));
        double[] eigenvalues = Torch.toDoubles(Torch.eigvalsh(inner));
        double sum = 0;
        for (double l : eigenvalues) {
            sum += Math.sqrt(Math.max(l, 0));
        }
        return sum;
    }

    /** V diag(√max(λ, 0)) Vᵀ of a symmetric matrix. */
    private static Tensor symmetricRoot(Tensor s) {
        Tensor[] eig = Torch.eigh(s);
        Tensor roots = Torch.clamp(eig[0], 0, Double.MAX_VALUE).sqrt();
        return eig[1].mul(roots.unsqueeze(0)).matmul(eig[1].t());
    }

    private static Tensor symmetrised(Tensor m) {
        return Torch.mul(m.add(m.t()), 0.5).to(ScalarType.Double);
    }
}
