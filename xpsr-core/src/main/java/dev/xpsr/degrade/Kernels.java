package dev.xpsr.degrade;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

/**
 * The blur kernels of BasicSR 1.4.2 {@code basicsr/data/degradations.py}, computed in float64 like numpy/scipy
 * and normalised to sum 1. A kernel is a {@code double[k][k]} indexed {@code [row][column]}.
 *
 * <p>Grid ({@code mesh_grid}): offsets a = ⌊−k/2⌋+1 … ⌊k/2⌋ (−10…10 for k = 21); the point at
 * {@code [row][col]} is p = (x, y) = (a_col, a_row). Covariance ({@code sigma_matrix2}):
 * Σ = U·diag(σx², σy²)·Uᵀ with U the rotation by θ (radians); isotropic kernels use Σ = σx²·I and ignore
 * σy, θ. With q = pᵀ Σ⁻¹ p:
 * <ul>
 *   <li>{@code bivariate_Gaussian}: exp(−q/2)</li>
 *   <li>{@code bivariate_generalized_Gaussian}: exp(−q^β/2)</li>
 *   <li>{@code bivariate_plateau}: 1/(q^β + 1)</li>
 *   <li>{@code circular_lowpass_kernel}: ω·J₁(ω·r)/(2π·r), r the distance to the centre, centre ω²/(4π)</li>
 * </ul>
 */
public final class Kernels {
    private Kernels() {
    }

    /** {@code bivariate_Gaussian(kernel_size, sig_x, sig_y, theta, isotropic=...)}. */
    public static double[][] bivariateGaussian(int size, double sigX, double sigY, double theta, boolean isotropic) {
        double[][] inv = inverseCovariance(sigX, sigY, theta, isotropic);
        return normalised(map(size, inv, q -> Math.exp(-0.5 * q)));
    }

    /** {@code bivariate_generalized_Gaussian(kernel_size, sig_x, sig_y, theta, beta, isotropic=...)}. */
    public static double[][] bivariateGeneralizedGaussian(int size, double sigX, double sigY, double theta,
                                                          double beta, boolean isotropic) {
        double[][] inv = inverseCovariance(sigX, sigY, theta, isotropic);
        return normalised(map(size, inv, q -> Math.exp(-0.5 * Math.pow(q, beta))));
    }

    /** {@code bivariate_plateau(kernel_size, sig_x, sig_y, theta, beta, isotropic=...)}. */
    public static double[][] bivariatePlateau(int size, double sigX, double sigY, double theta, double beta,
                                              boolean isotropic) {
        double[][] inv = inverseCovariance(sigX, sigY, theta, isotropic);
        return normalised(map(size, inv, q -> 1 / (Math.pow(q, beta) + 1)));
    }

    /**
     * {@code circular_lowpass_kernel(cutoff, kernel_size, pad_to)}: the 2-D sinc with cutoff ω (radians, π is
     * the maximum), normalised, then zero-padded to {@code padTo} when that is larger (0 = no padding).
     */
    public static double[][] circularLowpass(double cutoff, int size, int padTo) {
        if (size % 2 != 1) {
            throw new IllegalArgumentException("sinc kernel size must be odd, got " + size);
        }
        double centre = (size - 1) / 2.0;
        double[][] k = new double[size][size];
        for (int i = 0; i < size; i++) {
            for (int j = 0; j < size; j++) {
                double r = Math.sqrt((i - centre) * (i - centre) + (j - centre) * (j - centre));
                k[i][j] = cutoff * BesselJ1.j1(cutoff * r) / (2 * Math.PI * r);
            }
        }
        // degradations.py circular_lowpass_kernel: the 0/0 centre is overwritten with the limit ω²/(4π)
        k[size / 2][size / 2] = cutoff * cutoff / (4 * Math.PI);
        double[][] normalised = normalised(k);
        return padTo > size ? pad(normalised, padTo) : normalised;
    }

    /** Zero-pads a k×k kernel symmetrically to size×size ({@code np.pad} with (size−k)/2 on every side). */
    public static double[][] pad(double[][] kernel, int size) {
        int k = kernel.length;
        if (size < k || (size - k) % 2 != 0) {
            throw new IllegalArgumentException("cannot pad a " + k + "x" + k + " kernel to " + size);
        }
        int p = (size - k) / 2;
        double[][] out = new double[size][size];
        for (int i = 0; i < k; i++) {
            System.arraycopy(kernel[i], 0, out[i + p], p, k);
        }
        return out;
    }

    /** The kernel as a float32 (k, k) tensor, as {@code torch.FloatTensor(kernel)}. */
    public static Tensor toTensor(double[][] kernel) {
        int k = kernel.length;
        float[] data = new float[k * k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                data[i * k + j] = (float) kernel[i][j];
            }
        }
        return Torch.fromFloats(data, k, k);
    }

    /** Σ⁻¹ for the 2×2 covariance ({@code sigma_matrix2}, or σx²·I when isotropic). */
    static double[][] inverseCovariance(double sigX, double sigY, double theta, boolean isotropic) {
        double[][] s = isotropic ? new double[][] {{sigX * sigX, 0}, {0, sigX * sigX}}
                : rotatedCovariance(sigX, sigY, theta);
        double det = s[0][0] * s[1][1] - s[0][1] * s[1][0];
        return new double[][] {{s[1][1] / det, -s[0][1] / det}, {-s[1][0] / det, s[0][0] / det}};
    }

    private static double[][] rotatedCovariance(double sigX, double sigY, double theta) {
        double c = Math.cos(theta);
        double s = Math.sin(theta);
        double dx = sigX * sigX;
        double dy = sigY * sigY;
        // U·D·Uᵀ with U = [[c, −s], [s, c]], D = diag(dx, dy)
        return new double[][] {
                {c * dx * c + s * dy * s, c * dx * s - s * dy * c},
                {s * dx * c - c * dy * s, s * dx * s + c * dy * c}};
    }

    private interface Profile {
        double of(double q);
    }

    /** Applies the profile to q = pᵀ Σ⁻¹ p over the grid, in numpy's {@code dot(grid, inv) * grid} order. */
    private static double[][] map(int size, double[][] inv, Profile profile) {
        int first = Math.floorDiv(-size, 2) + 1;
        double[][] k = new double[size][size];
        for (int row = 0; row < size; row++) {
            double y = first + row;
            for (int col = 0; col < size; col++) {
                double x = first + col;
                double q = (x * inv[0][0] + y * inv[1][0]) * x + (x * inv[0][1] + y * inv[1][1]) * y;
                k[row][col] = profile.of(q);
            }
        }
        return k;
    }

    private static double[][] normalised(double[][] k) {
        double sum = 0;
        for (double[] row : k) {
            for (double v : row) {
                sum += v;
            }
        }
        double[][] out = new double[k.length][];
        for (int i = 0; i < k.length; i++) {
            out[i] = new double[k[i].length];
            for (int j = 0; j < k[i].length; j++) {
                out[i][j] = k[i][j] / sum;
            }
        }
        return out;
    }
}
