package dev.xpsr.nn;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.List;

/**
 * diffusers' / XPSR's {@code CrossAttnUpBlock2D} (with attention slots) and {@code UpBlock2D} (without):
 * {@code layers} × (concat the last skip → resnet [→ attention slot] [→ pixel attention]) then an optional
 * {@code upsamplers.0}. Skips are taken from the end of the list, last first, as the reference pops them.
 *
 * <p>XPSR's "conditional" {@code pixel_attentions} (from PASD) cross-attend from the block's features to the
 * matching ControlNet residual flattened to (B, H·W, C). Their context width is the layer's skip width in
 * CrossAttnUpBlock2D but the block's output width in UpBlock2D (XPSR's code, {@code UpBlock2D.__init__}), which
 * is why XPSR needs the last two {@code block_out_channels} equal.
 */
public class UpBlock2D extends Module {
    public final ModuleList<ResnetBlock2D> resnets;
    public final SemanticFusion attentions;
    public final ModuleList<Transformer2DModel> pixel_attentions;
    public final ModuleList<Upsample2D> upsamplers;

    public UpBlock2D(BlockSpec spec) {
        this.resnets = child("resnets", new ModuleList<>());
        this.attentions = spec.crossAttention() ? new SemanticFusion(this, spec.fusion()) : null;
        this.pixel_attentions = spec.pixelAttention() ? child("pixel_attentions", new ModuleList<>()) : null;
        for (int i = 0; i < spec.layers(); i++) {
            long skip = i == spec.layers() - 1 ? spec.in() : spec.out();
            long resIn = i == 0 ? spec.prevOut() : spec.out();
            resnets.add(spec.resnet(resIn + skip, spec.out()));
            if (attentions != null) {
                attentions.addSlot(spec, spec.out());
            }
            if (pixel_attentions != null) {
                pixel_attentions.add(spec.attention(spec.out(), spec.crossAttention() ? skip : spec.out()));
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
     * @param residuals    this block's ControlNet residuals in the same order, for the pixel attentions, or null
     * @param upsampleSize explicit upsampler output size, or null for ×2
     */
    public Tensor forward(Tensor h, Tensor temb, TextContext ctx, List<Tensor> skips, List<Tensor> residuals,
                          long[] upsampleSize) {
        // one scope for the block and one per layer: only each layer's output outlives it, only the block's
        // output outlives the block
        return Torch.scoped(() -> {
            Tensor x = h;
            for (int i = 0; i < resnets.size(); i++) {
                Tensor in = x;
                int layer = i;
                x = Torch.scoped(() -> layer(layer, in, temb, ctx, skips, residuals));
            }
            return upsamplers == null ? x : upsamplers.get(0).forward(x, upsampleSize);
        });
    }

    /** Layer {@code i}: resnet over [h, skip], then the cross-attention slot and the pixel attention if present. */
    private Tensor layer(int i, Tensor h, Tensor temb, TextContext ctx, List<Tensor> skips, List<Tensor> residuals) {
        Tensor skip = skips.get(skips.size() - 1 - i);
        Tensor x = resnets.get(i).forward(Torch.cat(1, h, skip), temb);
        if (attentions != null) {
            x = attentions.apply(i, x, ctx);
        }
        if (pixel_attentions != null && residuals != null) {
            Tensor residual = residuals.get(residuals.size() - 1 - i);
            Tensor in = x;
            x = BlockFamily.PIXEL_ATTENTION.run(() -> pixel_attentions.get(i).forward(in,
                    Transformer2DModel.toTokens(residual)));
        }
        return x;
    }
}
