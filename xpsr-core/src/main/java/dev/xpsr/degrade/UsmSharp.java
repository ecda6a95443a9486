package dev.xpsr.degrade;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

/**
 * BasicSR 1.4.2 {@code basicsr/utils/img_process_util.py USMSharp}: unsharp masking with a soft threshold mask.
 *
 * <p>img I (B, C, H, W) in [0, 1] → (B, C, H, W), with G the r×r Gaussian ({@link #kernel()}):
 * <pre>
 *   B = filter2D(I, G);  R = I − B
 *   M = filter2D([|R|·255 &gt; threshold], G)          (soft mask)
 *   out = M · clip(I + weight·R, 0, 1) + (1 − M) · I
 * </pre>
 * The kernel is the outer product g·gᵀ of {@code cv2.getGaussianKernel(r, sigma)} (float64, stored float32);
 * an even radius is bumped to the next odd size, so the default radius 50 gives 51×51 with
 * σ = 0.3·((51−1)/2 − 1) + 0.8 = 8.
 */
public final class UsmSharp {
    // OpenCV's getGaussianKernel uses these fixed tables for small odd sizes when sigma <= 0
    private static final double[][] SMALL_TABLES = {
            {1},
            {},
            {0.25, 0.5, 0.25},
            {},
            {0.0625, 0.25, 0.375, 0.25, 0.0625},
            {},
            {0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125}};

    private final int size;
    private final float[] kernel;

    /** {@code USMSharp()}: radius 50, sigma 0. */
    public UsmSharp() {
        this(50, 0);
    }

    /** {@code USMSharp(radius, sigma)}; sigma ≤ 0 derives it from the size as OpenCV does. */
    public UsmSharp(int radius, double sigma) {
        this.size = radius % 2 == 0 ? radius + 1 : radius;
        this.kernel = outer(gaussianKernel1d(size, sigma));
    }

    /** The kernel size (odd). */
    public int size() {
        return size;
    }

    /** The (1, r, r) float32 kernel buffer. */
    public Tensor kernel() {
        return Torch.fromFloats(kernel, 1, size, size);
    }

    /** {@code forward(img, weight, threshold)}; BasicSR's defaults are weight 0.5, threshold 10. */
    public Tensor forward(Tensor img, double weight, double threshold) {
        Tensor g = kernel().to(img);
        Tensor blur = Filter2D.apply(img, g);
        Tensor residual = img.sub(blur);
        Tensor mask = Torch.gt(Torch.mul(residual.abs(), 255), threshold).to(img.scalar_type());
        Tensor softMask = Filter2D.apply(mask, g);
        Tensor sharp = Torch.clamp(Torch.addScaled(img, residual, weight), 0, 1);
        return softMask.mul(sharp).add(Torch.rsub(1, softMask).mul(img));
    }

    /**
     * {@code cv2.getGaussianKernel(n, sigma)} (CV_64F): g_i ∝ exp(−(i − (n−1)/2)² / (2σ²)), normalised to
     * sum 1; σ ≤ 0 means σ = 0.3·((n−1)/2 − 1) + 0.8, and odd n ≤ 7 with σ ≤ 0 use OpenCV's fixed tables.
     */
    public static double[] gaussianKernel1d(int n, double sigma) {
        if (n % 2 == 1 && n <= 7 && sigma <= 0) {
            return SMALL_TABLES[n - 1].clone();
        }
        double s = sigma > 0 ? sigma : ((n - 1) * 0.5 - 1) * 0.3 + 0.8;
        double scale2X = -0.5 / (s * s);
        double[] g = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double x = i - (n - 1) * 0.5;
            g[i] = Math.exp(scale2X * x * x);
            sum += g[i];
        }
        double inv = 1 / sum;
        for (int i = 0; i < n; i++) {
            g[i] *= inv;
        }
        return g;
    }

    private static float[] outer(double[] g) {
        float[] k = new float[g.length * g.length];
        for (int i = 0; i < g.length; i++) {
            for (int j = 0; j < g.length; j++) {
                k[i * g.length + j] = (float) (g[i] * g[j]);
            }
        }
        return k;
    }
}
