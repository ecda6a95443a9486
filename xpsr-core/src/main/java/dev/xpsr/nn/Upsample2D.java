package dev.xpsr.nn;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code Upsample2D} with a convolution: nearest-neighbour ×2 (or to an explicit size, which the UNet
 * passes when the latent is not a multiple of its overall down factor), then a 3×3 conv.
 */
public final class Upsample2D extends Module {
    public final Conv2d conv;

    public Upsample2D(long channels, long outChannels) {
        this.conv = child("conv", Conv2d.same(channels, outChannels, 3));
    }

    /** @param size target (H, W), or null for ×2 */
    public Tensor forward(Tensor x, long[] size) {
        long h = size == null ? x.size(2) * 2 : size[0];
        long w = size == null ? x.size(3) * 2 : size[1];
        return conv.forward(Torch.interpolateNearest(x, h, w));
    }
}
