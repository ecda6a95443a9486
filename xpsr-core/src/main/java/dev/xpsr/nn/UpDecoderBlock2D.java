package dev.xpsr.nn;

import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code UpDecoderBlock2D}: {@code layers} resnets without time embedding, then an optional ×2
 * {@code upsamplers.0}. x (B, in, H, W) → (B, out, 2H, 2W) (or H, W for the last block).
 */
public final class UpDecoderBlock2D extends Module {
    public final ModuleList<ResnetBlock2D> resnets;
    public final ModuleList<Upsample2D> upsamplers;

    public UpDecoderBlock2D(int layers, long in, long out, long groups, double eps, boolean upsample) {
        this.resnets = child("resnets", new ModuleList<>());
        for (int i = 0; i < layers; i++) {
            resnets.add(new ResnetBlock2D(i == 0 ? in : out, out, 0, groups, eps, 1.0));
        }
        this.upsamplers = upsample
                ? child("upsamplers", new ModuleList<Upsample2D>().add(new Upsample2D(out, out))) : null;
    }

    public Tensor forward(Tensor h) {
        for (ResnetBlock2D resnet : resnets) {
            h = resnet.forward(h, null);
        }
        return upsamplers == null ? h : upsamplers.get(0).forward(h, null);
    }
}
