package dev.xpsr.bench;

import dev.xpsr.torch.ExactTuning;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Torch;
import dev.xpsr.util.Stopwatch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.openblas.global.openblas;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

/**
 * The float32 matrix-product rate this process reaches on this machine: the yardstick a network's achieved
 * GFLOP/s is held against. A square n³ product is timed two ways, each with every ATen thread:
 * <ul>
 *   <li>{@code torch.mm} through the BLAS libtorch links (OpenBLAS), its threads raised to the ATen count for the
 *       measurement only (the engine pins them to one, see {@link NativeStartup});</li>
 *   <li>{@link Torch#linear} with {@link ExactTuning#ONEDNN_LINEAR} on (oneDNN on ATen's threads).</li>
 * </ul>
 * The faster of the two is the machine's GEMM rate.
 *
 * @param blas   GFLOP/s of {@code torch.mm} on the BLAS
 * @param linear GFLOP/s of the oneDNN linear route
 * @param size   the side n of the product
 */
public record GemmRate(double blas, double linear, int size) {

    /** The better of the two rates, GFLOP/s. */
    public double best() {
        return Math.max(blas, linear);
    }

    /**
     * Median rates of {@code runs} timed products of side {@code n} after one untimed, with random float32 operands.
     */
    public static GemmRate measure(int n, int runs) {
        NativeStartup.ensureStarted();
        double flops = 2.0 * n * n * (double) n;
        try (PointerScope scope = new PointerScope(); AutoCloseable mode = Torch.inferenceMode()) {
            Generator g = Torch.generator(0);
            Tensor a = Torch.randn(g, n, n);
            Tensor b = Torch.randn(g, n, n);
            int blasThreads = openblas.blas_get_num_threads();
            openblas.blas_set_num_threads(NativeStartup.threads());
            double blas;
            try {
                blas = flops / medianSeconds(() -> a.mm(b), runs) / 1e9;
            } finally {
                openblas.blas_set_num_threads(blasThreads);
            }
            boolean was = ExactTuning.ONEDNN_LINEAR.set(true);
            double linear;
            try {
                linear = flops / medianSeconds(() -> Torch.linear(a, b, null), runs) / 1e9;
            } finally {
                ExactTuning.ONEDNN_LINEAR.set(was);
            }
            return new GemmRate(blas, linear, n);
        } catch (Exception e) {
            throw new IllegalStateException("timing the GEMM failed: " + e.getMessage(), e);
        }
    }

    private static double medianSeconds(Runnable product, int runs) {
        double[] s = new double[runs];
        for (int i = -1; i < runs; i++) {
            double t = Stopwatch.seconds(() -> {
                try (PointerScope scope = new PointerScope()) {
                    product.run();
                }
            });
            if (i >= 0) {
                s[i] = t;
            }
        }
        return Stopwatch.median(s);
    }
}
