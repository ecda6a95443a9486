package dev.xpsr.nn;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code ControlNetConditioningEmbedding}: the small image encoder that brings the conditioning image
 * (B, 3, 8h, 8w) down to the latent grid (B, C, h, w). {@code conv_in} → SiLU, then per width step a 3×3 conv
 * and a stride-2 3×3 conv, each followed by SiLU ({@code blocks}), then the zero-initialised {@code conv_out}.
 * XPSR's encoder hooks into {@link #afterConvIn} and {@link #afterBlock}.
 */
public class ControlNetConditioningEmbedding extends Module {
    public final Conv2d conv_in;
    public final ModuleList<Conv2d> blocks;
    public final Conv2d conv_out;

    public ControlNetConditioningEmbedding(long embeddingChannels, long conditioningChannels, int[] widths) {
        this.conv_in = child("conv_in", Conv2d.same(conditioningChannels, widths[0], 3));
        this.blocks = child("blocks", new ModuleList<>());
        for (int i = 0; i < widths.length - 1; i++) {
            blocks.add(Conv2d.same(widths[i], widths[i], 3));
            blocks.add(new Conv2d(widths[i], widths[i + 1], 3, 2, 1));
        }
        this.conv_out = child("conv_out", Conv2d.same(widths[widths.length - 1], embeddingChannels, 3));
    }

    /** Conditioning-image pixels per latent pixel: 2 per stride-2 conv, 2^(widths − 1) (8 for diffusers' default). */
    public int downFactor() {
        return 1 << (blocks.size() / 2);
    }

    public Tensor forward(Tensor condition) {
        return forward(condition, null);
    }

    /**
     * @param sideOutputs where subclasses put their side outputs (XPSR's pixel-space heads), or null
     */
    public Tensor forward(Tensor condition, List<Tensor> sideOutputs) {
        // one scope: at full image resolution the intermediate maps are large, and only the embedding and the
        // side outputs outlive the call
        List<Tensor> out = BlockFamily.CONDITIONING_ENCODER.run(() -> Torch.scopedAll(() -> {
            List<Tensor> sides = sideOutputs == null ? null : new ArrayList<>();
            Tensor h = afterConvIn(Torch.silu(conv_in.forward(condition)));
            for (int i = 0; i < blocks.size(); i++) {
                h = Torch.silu(blocks.get(i).forward(h));
                afterBlock(i, h, sides);
            }
            List<Tensor> all = new ArrayList<>();
            all.add(conv_out.forward(h));
            if (sides != null) {
                all.addAll(sides);
            }
            return all;
        }));
        if (sideOutputs != null) {
            sideOutputs.addAll(out.subList(1, out.size()));
        }
        return out.get(0);
    }

    /** Hook after conv_in + SiLU. */
    protected Tensor afterConvIn(Tensor h) {
        return h;
    }

    /** Hook after block {@code i} (conv + SiLU). */
    protected void afterBlock(int i, Tensor h, List<Tensor> sideOutputs) {
    }
}
