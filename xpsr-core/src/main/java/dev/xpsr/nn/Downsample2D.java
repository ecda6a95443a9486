package dev.xpsr.nn;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code Downsample2D} with a convolution: 3×3, stride 2. With padding 0 (the VAE encoder) the input
 * is first padded by one zero column on the right and one zero row at the bottom, as the reference does.
 * x (B, C, H, W) → (B, out, ⌈H/2⌉, ⌈W/2⌉).
 */
public final class Downsample2D extends Module {
    public final Conv2d conv;
    private final long padding;

    public Downsample2D(long channels, long outChannels, long padding) {
        this.padding = padding;
        this.conv = child("conv", new Conv2d(channels, outChannels, 3, 2, padding));
    }

    public Tensor forward(Tensor x) {
        Tensor in = padding == 0 ? Torch.pad(x, 0, 1, 0, 1) : x;
        return conv.forward(in);
    }
}
