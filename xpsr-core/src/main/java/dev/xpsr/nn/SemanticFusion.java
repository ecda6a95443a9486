package dev.xpsr.nn;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

/**
 * The attention slots of one block: {@code attentions}, and for XPSR's fusion modes {@code attentions_lowlevel}
 * and {@code attentions_connect}, registered on the owning block under those names so the state-dict keys match
 * XPSR's; the fields carry the same names, as every module's children do. {@link #apply} runs slot {@code i} in
 * the block's {@link FusionMode}.
 */
public final class SemanticFusion {
    private final FusionMode mode;
    /** The high-level (caption) cross-attentions; in mode LOW, the low-level ones. */
    public final ModuleList<Transformer2DModel> attentions;
    /** The low-level (quality prompt) cross-attentions of modes SERIAL and PARALLEL, else null. */
    public final ModuleList<Transformer2DModel> attentions_lowlevel;
    /** PARALLEL's attention of the high-level output to the low-level one, else null. */
    public final ModuleList<Transformer2DModel> attentions_connect;

    /** Registers the lists the mode needs on {@code owner}. */
    SemanticFusion(Module owner, FusionMode mode) {
        this.mode = mode;
        this.attentions = owner.child("attentions", new ModuleList<>());
        this.attentions_lowlevel = mode.hasLowlevelStack()
                ? owner.child("attentions_lowlevel", new ModuleList<>()) : null;
        this.attentions_connect = mode.hasConnectStack()
                ? owner.child("attentions_connect", new ModuleList<>()) : null;
    }

    /** Adds one slot of width {@code channels}; the fusion transformer's context is that same width. */
    void addSlot(BlockSpec spec, long channels) {
        attentions.add(spec.attention(channels));
        if (attentions_lowlevel != null) {
            attentions_lowlevel.add(spec.attention(channels));
        }
        if (attentions_connect != null) {
            attentions_connect.add(spec.attention(channels, channels));
        }
    }

    public int size() {
        return attentions.size();
    }

    /**
     * Runs slot {@code i}. Without a low-level prompt the fusion modes fall back to the high-level attention
     * alone, as XPSR's blocks do when {@code lowlevel_encoder_hidden_states} is None.
     */
    public Tensor apply(int i, Tensor h, TextContext ctx) {
        if (attentions_lowlevel != null) {
            return BlockFamily.SEMANTIC_FUSION.run(() -> fuse(i, h, ctx));
        }
        return fuse(i, h, ctx);
    }

    private Tensor fuse(int i, Tensor h, TextContext ctx) {
        return Torch.scoped(() -> switch (mode) {
            case HIGH -> attentions.get(i).forward(h, ctx.text());
            case LOW -> attentions.get(i).forward(h, ctx.lowlevel() != null ? ctx.lowlevel() : ctx.text());
            case SERIAL -> {
                Tensor hi = attentions.get(i).forward(h, ctx.text());
                yield ctx.lowlevel() == null ? hi : attentions_lowlevel.get(i).forward(hi, ctx.lowlevel());
            }
            case PARALLEL -> {
                Tensor hi = attentions.get(i).forward(h, ctx.text());
                if (ctx.lowlevel() == null) {
                    yield hi;
                }
                Tensor lo = attentions_lowlevel.get(i).forward(h, ctx.lowlevel());
                yield attentions_connect.get(i).forward(hi, Transformer2DModel.toTokens(lo));
            }
        });
    }
}
