package dev.xpsr.nn;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

/**
 * The attention slots of one block: {@code attentions}, and for XPSR's fusion modes {@code attentions_lowlevel}
 * and {@code attentions_connect}, registered on the owning block under those names so the state-dict keys match
 * XPSR's. {@link #apply} runs slot {@code i} in the block's {@link FusionMode}.
 */
public final class SemanticFusion {
    private final FusionMode mode;
    private final ModuleList<Transformer2DModel> high;
    private final ModuleList<Transformer2DModel> low;
    private final ModuleList<Transformer2DModel> connect;

    /** Registers the lists the mode needs on {@code owner}. */
    SemanticFusion(Module owner, FusionMode mode) {
        this.mode = mode;
        this.high = owner.child("attentions", new ModuleList<>());
        this.low = mode.hasLowlevelStack() ? owner.child("attentions_lowlevel", new ModuleList<>()) : null;
        this.connect = mode.hasConnectStack() ? owner.child("attentions_connect", new ModuleList<>()) : null;
    }

    /** Adds one slot of width {@code channels}; the fusion transformer's context is that same width. */
    void addSlot(BlockSpec spec, long channels) {
        high.add(spec.attention(channels));
        if (low != null) {
            low.add(spec.attention(channels));
        }
        if (connect != null) {
            connect.add(spec.attention(channels, channels));
        }
    }

    public ModuleList<Transformer2DModel> attentions() {
        return high;
    }

    public int size() {
        return high.size();
    }

    /**
     * Runs slot {@code i}. Without a low-level prompt the fusion modes fall back to the high-level attention
     * alone, as XPSR's blocks do when {@code lowlevel_encoder_hidden_states} is None.
     */
    public Tensor apply(int i, Tensor h, TextContext ctx) {
        return Torch.scoped(() -> switch (mode) {
            case HIGH -> high.get(i).forward(h, ctx.text());
            case LOW -> high.get(i).forward(h, ctx.lowlevel() != null ? ctx.lowlevel() : ctx.text());
            case SERIAL -> {
                Tensor hi = high.get(i).forward(h, ctx.text());
                yield ctx.lowlevel() == null ? hi : low.get(i).forward(hi, ctx.lowlevel());
            }
            case PARALLEL -> {
                Tensor hi = high.get(i).forward(h, ctx.text());
                if (ctx.lowlevel() == null) {
                    yield hi;
                }
                Tensor lo = low.get(i).forward(h, ctx.lowlevel());
                yield connect.get(i).forward(hi, Transformer2DModel.toTokens(lo));
            }
        });
    }
}
