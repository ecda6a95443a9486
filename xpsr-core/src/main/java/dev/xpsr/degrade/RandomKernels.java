package dev.xpsr.degrade;

import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * Random blur kernels as BasicSR's {@code random_mixed_kernels} and Real-ESRGAN's
 * {@code RealESRGANDataset.__getitem__} draw them, from a caller's {@link RandomGenerator} (same seed, same
 * kernel). The draw order follows the reference: size, sinc coin, then either ω or
 * (type, σx, [σy, θ], [β coin, β]).
 *
 * <ul>
 *   <li>size: uniform over the odd sizes 7, 9, …, 21 ({@code kernel_range = [2v+1 for v in range(3, 11)]});</li>
 *   <li>with probability {@code sincProb}: sinc with ω ~ U(π/3, π) if size &lt; 13, else U(π/5, π);</li>
 *   <li>otherwise the type by {@code kernelProb} ({@code random.choices}); σx ~ U(sigma); anisotropic types
 *       also σy ~ U(sigma), θ ~ U(−π, π); generalized/plateau types β ~ U(β_low, 1) or U(1, β_high) with
 *       probability ½ each;</li>
 *   <li>the kernel is zero-padded to 21×21.</li>
 * </ul>
 */
public final class RandomKernels {
    /** Every sampled kernel is padded to this size (Real-ESRGAN's hard-coded 21). */
    public static final int PADDED_SIZE = 21;
    private static final int MIN_SIZE = 7;

    private RandomKernels() {
    }

    /**
     * One blur stage's kernel settings (Real-ESRGAN {@code kernel_list}, {@code kernel_prob},
     * {@code blur_sigma}, {@code betag_range}, {@code betap_range}, {@code sinc_prob}).
     */
    public record BlurSettings(List<KernelType> kernelList, double[] kernelProb, double[] sigmaRange,
                               double[] betagRange, double[] betapRange, double sincProb) {
        public BlurSettings {
            if (kernelList.size() != kernelProb.length || kernelList.isEmpty()) {
                throw new IllegalArgumentException("kernel_list and kernel_prob must have the same, non-zero length");
            }
            if (kernelList.contains(KernelType.SINC)) {
                throw new IllegalArgumentException("sinc is chosen by sinc_prob, not listed in kernel_list");
            }
            checkRange("blur_sigma", sigmaRange);
            checkRange("betag_range", betagRange);
            checkRange("betap_range", betapRange);
        }
    }

    /** A drawn kernel with the parameters that made it (NaN where a parameter does not apply). */
    public record Sample(KernelType type, int size, double sigmaX, double sigmaY, double theta, double beta,
                         double omega, double[][] kernel) {
    }

    /** A first- or second-stage blur kernel of Real-ESRGAN's dataset, padded to 21×21. */
    public static Sample blurKernel(RandomGenerator rng, BlurSettings settings) {
        int size = randomSize(rng);
        if (rng.nextDouble() < settings.sincProb()) {
            double low = size < 13 ? Math.PI / 3 : Math.PI / 5;
            return sinc(size, uniform(rng, low, Math.PI));
        }
        Sample s = mixedKernel(rng, settings, size);
        return new Sample(s.type, size, s.sigmaX, s.sigmaY, s.theta, s.beta, s.omega,
                Kernels.pad(s.kernel, PADDED_SIZE));
    }

    /**
     * The final sinc of Real-ESRGAN's dataset: with probability {@code finalSincProb} a sinc of random odd
     * size with ω ~ U(π/3, π), padded to 21; otherwise empty (the caller uses the {@link #pulse()}, no blur).
     */
    public static Optional<Sample> finalSinc(RandomGenerator rng, double finalSincProb) {
        if (rng.nextDouble() >= finalSincProb) {
            return Optional.empty();
        }
        int size = randomSize(rng);
        return Optional.of(sinc(size, uniform(rng, Math.PI / 3, Math.PI)));
    }

    /** The 21×21 pulse (1 at the centre) Real-ESRGAN uses when no final sinc is drawn. */
    public static double[][] pulse() {
        double[][] k = new double[PADDED_SIZE][PADDED_SIZE];
        k[PADDED_SIZE / 2][PADDED_SIZE / 2] = 1;
        return k;
    }

    /** {@code random_mixed_kernels(kernel_list, kernel_prob, size, sigma, sigma, [-π, π], betag, betap)}. */
    public static Sample mixedKernel(RandomGenerator rng, BlurSettings settings, int size) {
        if (size % 2 != 1) {
            throw new IllegalArgumentException("kernel size must be odd, got " + size);
        }
        KernelType type = choose(rng, settings.kernelList(), settings.kernelProb());
        double[] sigma = settings.sigmaRange();
        double sigX = uniform(rng, sigma[0], sigma[1]);
        double sigY = sigX;
        double theta = 0;
        if (!type.isotropic()) {
            sigY = uniform(rng, sigma[0], sigma[1]);
            theta = uniform(rng, -Math.PI, Math.PI);
        }
        return switch (type) {
            case ISO, ANISO -> new Sample(type, size, sigX, sigY, theta, Double.NaN, Double.NaN,
                    Kernels.bivariateGaussian(size, sigX, sigY, theta, type.isotropic()));
            case GENERALIZED_ISO, GENERALIZED_ANISO -> {
                double beta = beta(rng, settings.betagRange());
                yield new Sample(type, size, sigX, sigY, theta, beta, Double.NaN,
                        Kernels.bivariateGeneralizedGaussian(size, sigX, sigY, theta, beta, type.isotropic()));
            }
            case PLATEAU_ISO, PLATEAU_ANISO -> {
                double beta = beta(rng, settings.betapRange());
                yield new Sample(type, size, sigX, sigY, theta, beta, Double.NaN,
                        Kernels.bivariatePlateau(size, sigX, sigY, theta, beta, type.isotropic()));
            }
            case SINC -> throw new IllegalStateException("sinc is not a mixed kernel");
        };
    }

    private static Sample sinc(int size, double omega) {
        double[][] k = Kernels.circularLowpass(omega, size, PADDED_SIZE);
        return new Sample(KernelType.SINC, size, Double.NaN, Double.NaN, Double.NaN, Double.NaN, omega, k);
    }

    private static int randomSize(RandomGenerator rng) {
        int count = (PADDED_SIZE - MIN_SIZE) / 2 + 1;
        return MIN_SIZE + 2 * rng.nextInt(count);
    }

    // degradations.py random_bivariate_generalized_Gaussian / _plateau: β below or above 1 with equal odds
    private static double beta(RandomGenerator rng, double[] range) {
        return rng.nextDouble() < 0.5 ? uniform(rng, range[0], 1) : uniform(rng, 1, range[1]);
    }

    /** {@code random.choices(population, weights)[0]}: the first index whose cumulative weight exceeds u·total. */
    private static KernelType choose(RandomGenerator rng, List<KernelType> types, double[] weights) {
        double[] cumulative = new double[weights.length];
        double total = 0;
        for (int i = 0; i < weights.length; i++) {
            total += weights[i];
            cumulative[i] = total;
        }
        double u = rng.nextDouble() * total;
        for (int i = 0; i < cumulative.length; i++) {
            if (u < cumulative[i]) {
                return types.get(i);
            }
        }
        return types.get(types.size() - 1);
    }

    /** {@code np.random.uniform(low, high)} = low + (high − low)·u. */
    private static double uniform(RandomGenerator rng, double low, double high) {
        return low + (high - low) * rng.nextDouble();
    }

    private static void checkRange(String name, double[] range) {
        if (range == null || range.length != 2 || !(range[0] <= range[1])) {
            throw new IllegalArgumentException(name + " must be [low, high] with low <= high");
        }
    }
}
