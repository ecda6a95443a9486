package dev.xpsr.nn;

import org.bytedeco.pytorch.Tensor;

import java.util.List;

/**
 * diffusers' {@code CrossAttnDownBlock2D} (with {@code attentions}) and {@code DownBlock2D} (without):
 * {@code layers} × (resnet [→ transformer]) then an optional stride-2 {@code downsamplers.0}. Every layer's
 * output and the downsampler's output are appended to the skip list the up path (and a ControlNet) consume.
 */
public class DownBlock2D extends Module {
    public final ModuleList<ResnetBlock2D> resnets;
    public final ModuleList<Transformer2DModel> attentions;
    public final ModuleList<Downsample2D> downsamplers;

    public DownBlock2D(BlockSpec spec) {
        this.resnets = child("resnets", new ModuleList<>());
        this.attentions = spec.crossAttention() ? child("attentions", new ModuleList<>()) : null;
        for (int i = 0; i < spec.layers(); i++) {
            resnets.add(spec.resnet(i == 0 ? spec.in() : spec.out(), spec.out()));
            if (attentions != null) {
                attentions.add(spec.attention(spec.out()));
            }
        }
        this.downsamplers = spec.resample() ? child("downsamplers",
                new ModuleList<Downsample2D>().add(new Downsample2D(spec.out(), spec.out(),
                        spec.downsamplePadding()))) : null;
    }

    /** Runs the block; appends its skip tensors to {@code skips} and returns the last one. */
    public Tensor forward(Tensor h, Tensor temb, Tensor context, List<Tensor> skips) {
        for (int i = 0; i < resnets.size(); i++) {
            h = resnets.get(i).forward(h, temb);
            if (attentions != null) {
                h = attend(i, h, context);
            }
            skips.add(h);
        }
        if (downsamplers != null) {
            h = downsamplers.get(0).forward(h);
            skips.add(h);
        }
        return h;
    }

    /** The attention after resnet {@code i}; XPSR's blocks override this with semantic-fusion attention. */
    protected Tensor attend(int i, Tensor h, Tensor context) {
        return attentions.get(i).forward(h, context);
    }
}
