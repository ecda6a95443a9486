package dev.xpsr.nn;

import org.bytedeco.pytorch.Tensor;

import java.util.List;

/**
 * diffusers' {@code CrossAttnUpBlock2D} (with {@code attentions}) and {@code UpBlock2D} (without):
 * {@code layers} × (concat the last skip → resnet [→ transformer]) then an optional {@code upsamplers.0}.
 * Skips are taken from the end of the list, last first, as the reference pops them.
 */
public class UpBlock2D extends Module {
    public final ModuleList<ResnetBlock2D> resnets;
    public final ModuleList<Transformer2DModel> attentions;
    public final ModuleList<Upsample2D> upsamplers;

    public UpBlock2D(BlockSpec spec) {
        this.resnets = child("resnets", new ModuleList<>());
        this.attentions = spec.crossAttention() ? child("attentions", new ModuleList<>()) : null;
        for (int i = 0; i < spec.layers(); i++) {
            long skip = i == spec.layers() - 1 ? spec.in() : spec.out();
            long resIn = i == 0 ? spec.prevOut() : spec.out();
            resnets.add(spec.resnet(resIn + skip, spec.out()));
            if (attentions != null) {
                attentions.add(spec.attention(spec.out()));
            }
        }
        this.upsamplers = spec.resample()
                ? child("upsamplers", new ModuleList<Upsample2D>().add(new Upsample2D(spec.out(), spec.out())))
                : null;
    }

    public int layers() {
        return resnets.size();
    }

    /**
     * @param skips        this block's skip tensors, in down-path order (the last is used first)
     * @param upsampleSize explicit upsampler output size, or null for ×2
     */
    public Tensor forward(Tensor h, Tensor temb, Tensor context, List<Tensor> skips, long[] upsampleSize) {
        for (int i = 0; i < resnets.size(); i++) {
            Tensor skip = skips.get(skips.size() - 1 - i);
            h = resnets.get(i).forward(dev.xpsr.torch.Torch.cat(1, h, skip), temb);
            h = afterResnet(i, h, context);
        }
        if (upsamplers != null) {
            h = upsamplers.get(0).forward(h, upsampleSize);
        }
        return h;
    }

    /** What follows resnet {@code i}: the text transformer if any; XPSR's UNet adds its pixel attention. */
    protected Tensor afterResnet(int i, Tensor h, Tensor context) {
        return attentions == null ? h : attentions.get(i).forward(h, context);
    }
}
