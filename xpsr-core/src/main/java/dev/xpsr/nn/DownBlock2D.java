package dev.xpsr.nn;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' / XPSR's {@code CrossAttnDownBlock2D} (with attention slots) and {@code DownBlock2D} (without):
 * {@code layers} × (resnet [→ attention slot]) then an optional stride-2 {@code downsamplers.0}. Every layer's
 * output and the downsampler's output are appended to the skip list the up path (and a ControlNet) consume.
 * The attention slot is plain cross-attention or XPSR's semantic fusion, per {@link BlockSpec#fusion()}.
 */
public class DownBlock2D extends Module {
    public final ModuleList<ResnetBlock2D> resnets;
    public final SemanticFusion attentions;
    public final ModuleList<Downsample2D> downsamplers;

    public DownBlock2D(BlockSpec spec) {
        this.resnets = child("resnets", new ModuleList<>());
        this.attentions = spec.crossAttention() ? new SemanticFusion(this, spec.fusion()) : null;
        for (int i = 0; i < spec.layers(); i++) {
            resnets.add(spec.resnet(i == 0 ? spec.in() : spec.out(), spec.out()));
            if (attentions != null) {
                attentions.addSlot(spec, spec.out());
            }
        }
        this.downsamplers = spec.resample() ? child("downsamplers",
                new ModuleList<Downsample2D>().add(new Downsample2D(spec.out(), spec.out(),
                        spec.downsamplePadding()))) : null;
    }

    /**
     * Runs the block; appends its skip tensors to {@code skips} and returns the last one. Only the skip tensors
     * outlive the call: the layers' other outputs are freed on return.
     */
    public Tensor forward(Tensor h, Tensor temb, TextContext ctx, List<Tensor> skips) {
        List<Tensor> mine = Torch.scopedAll(() -> {
            List<Tensor> out = new ArrayList<>();
            Tensor x = h;
            for (int i = 0; i < resnets.size(); i++) {
                x = resnets.get(i).forward(x, temb);
                if (attentions != null) {
                    x = attentions.apply(i, x, ctx);
                }
                out.add(x);
            }
            if (downsamplers != null) {
                out.add(downsamplers.get(0).forward(x));
            }
            return out;
        });
        skips.addAll(mine);
        return mine.get(mine.size() - 1);
    }

    /** Number of skip tensors this block appends. */
    public int skipCount() {
        return resnets.size() + (downsamplers != null ? 1 : 0);
    }
}
