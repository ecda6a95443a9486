package dev.xpsr.nn;

import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code UNetMidBlock2D} as the VAE uses it: resnet → single-head spatial self-attention (with its own
 * GroupNorm and residual) → resnet, no time embedding. x (B, C, H, W) → same shape.
 */
public final class UNetMidBlock2D extends Module {
    public final ModuleList<Attention> attentions;
    public final ModuleList<ResnetBlock2D> resnets;

    public UNetMidBlock2D(long channels, long groups, double eps) {
        this.attentions = child("attentions",
                new ModuleList<Attention>().add(new Attention(channels, channels, 1, channels, true, groups, eps)));
        this.resnets = child("resnets", new ModuleList<ResnetBlock2D>()
                .add(new ResnetBlock2D(channels, channels, 0, groups, eps, 1.0))
                .add(new ResnetBlock2D(channels, channels, 0, groups, eps, 1.0)));
    }

    public Tensor forward(Tensor h) {
        h = resnets.get(0).forward(h, null);
        h = attentions.get(0).forwardSpatial(h);
        return resnets.get(1).forward(h, null);
    }
}
