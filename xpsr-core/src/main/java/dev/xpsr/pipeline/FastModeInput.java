package dev.xpsr.pipeline;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The input on which vaehook's fast mode estimates all GroupNorm statistics (qyp2000/XPSR
 * {@code myutils/vaehook.py}, {@code vae_tile_forward} under {@code if self.fast_mode}).
 *
 * <p>z (B, C, H, W) is shrunk by s = tile / max(H, W) to (⌊H·s⌋, ⌊W·s⌋) with {@code F.interpolate(scale_factor=s,
 * mode="nearest-exact")}, whose source index is min(⌊(i + 0.5) / s⌋, n − 1). Shrinking distorts the statistics,
 * so each channel is shifted and scaled back to z's own mean and (unbiased) standard deviation over (B, H, W),
 * then clamped to z's value range.
 */
final class FastModeInput {
    private FastModeInput() {
    }

    static Tensor of(Tensor z, int tile) {
        long h = z.size(2);
        long w = z.size(3);
        double scale = (double) tile / Math.max(h, w);
        Tensor rows = nearestExact(h, (long) Math.floor(h * scale), scale).to(z.device(), ScalarType.Long);
        Tensor cols = nearestExact(w, (long) Math.floor(w * scale), scale).to(z.device(), ScalarType.Long);
        Tensor small = z.index_select(2, rows).index_select(3, cols);
        long c = z.size(1);
        long[] dims = {0, 2, 3};
        Tensor restored = small.sub(small.mean(dims).view(1, c, 1, 1))
                .div(small.std(dims, true, true))
                .mul(z.std(dims, true, true))
                .add(z.mean(dims).view(1, c, 1, 1));
        return Torch.clamp(restored, z.min().item_double(), z.max().item_double());
    }

    /**
     * Source indices of PyTorch's nearest-exact resize given a scale factor: the kernel uses 1/scale as a float and
     * floors (i + 0.5) · (1/scale) in float.
     */
    static Tensor nearestExact(long in, long out, double scale) {
        float inverse = (float) (1.0 / scale);
        long[] idx = new long[(int) out];
        for (int i = 0; i < out; i++) {
            idx[i] = Math.min((long) Math.floor((float) ((i + 0.5) * inverse)), in - 1);
        }
        return Torch.fromLongs(idx, out);
    }
}
