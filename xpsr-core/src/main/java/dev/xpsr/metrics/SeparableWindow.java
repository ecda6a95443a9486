package dev.xpsr.metrics;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Valid-mode correlation of float64 planes (N, P, H, W) with a k×k window w, evaluated fast but to float64
 * accuracy: w is split into the outer product a·aᵀ of a 1-D kernel, applied as a row pass and a column pass in
 * float64, and the remainder w − a·aᵀ (zero for BasicSR's window, float32 rounding noise of order 1e-10 for
 * pyiqa's), applied as one float32 convolution; the remainder's contribution is so small that float32 keeps it
 * to about 1e-14 of the result. The reference convolves with w directly in float64; the two agree to rounding.
 */
final class SeparableWindow {
    private final double[] kernel;
    private final Tensor remainder;

    /**
     * @param kernel the 1-D factor a (length k)
     * @param window the k×k window w, row-major
     */
    SeparableWindow(double[] kernel, double[] window) {
        int k = kernel.length;
        if (window.length != k * k) {
            throw new IllegalArgumentException("a " + k + "-tap kernel needs a " + k + "x" + k + " window");
        }
        this.kernel = kernel.clone();
        float[] rest = new float[k * k];
        boolean any = false;
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                rest[i * k + j] = (float) (window[i * k + j] - kernel[i] * kernel[j]);
                any |= rest[i * k + j] != 0;
            }
        }
        this.remainder = any ? Torch.fromFloats(rest, 1, 1, k, k) : null;
        if (remainder != null) {
            remainder.retainReference();
        }
    }

    int size() {
        return kernel.length;
    }

    /** (N, P, H, W) float64 → (N, P, H − k + 1, W − k + 1) float64. */
    Tensor apply(Tensor x) {
        int k = kernel.length;
        long h = x.size(2) - k + 1;
        long w = x.size(3) - k + 1;
        Tensor rows = Torch.mul(x.narrow(3, 0, w), kernel[0]);
        for (int j = 1; j < k; j++) {
            Torch.addScaled_(rows, x.narrow(3, j, w), kernel[j]);
        }
        Tensor out = Torch.mul(rows.narrow(2, 0, h), kernel[0]);
        for (int i = 1; i < k; i++) {
            Torch.addScaled_(out, rows.narrow(2, i, h), kernel[i]);
        }
        if (remainder == null) {
            return out;
        }
        long planes = x.size(1);
        Tensor rest = remainder.expand(planes, 1, k, k).contiguous();
        return out.add(Torch.conv2dGrouped(x.to(ScalarType.Float), rest, planes).to(ScalarType.Double));
    }
}
