package dev.xpsr.nn;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code Transformer2DModel} for continuous inputs: GroupNorm(eps 1e-6), {@code proj_in}
 * (1×1 conv, or linear with {@code use_linear_projection}), the transformer blocks over the H·W tokens,
 * {@code proj_out}, and the outer residual. x (B, C, H, W), context (B, M, crossDim) → (B, C, H, W).
 */
public final class Transformer2DModel extends Module {
    public final GroupNorm norm;
    public final Module proj_in;
    public final ModuleList<BasicTransformerBlock> transformer_blocks;
    public final Module proj_out;
    private final boolean linearProjection;

    /**
     * @param linearProjection {@code use_linear_projection} (SD-2.x): linear proj_in / proj_out on the tokens
     * @param upcastAttention  {@code upcast_attention} (SD-2.x): attention scores in float32, see {@link Attention}
     */
    public Transformer2DModel(int heads, long dimHead, long inChannels, int layers, long crossAttentionDim,
                              long normGroups, boolean linearProjection, boolean upcastAttention) {
        long inner = heads * dimHead;
        this.linearProjection = linearProjection;
        this.norm = child("norm", new GroupNorm(normGroups, inChannels, 1e-6));
        this.proj_in = child("proj_in", linearProjection
                ? new Linear(inChannels, inner) : new Conv2d(inChannels, inner, 1, 1, 0));
        this.transformer_blocks = child("transformer_blocks", new ModuleList<>());
        for (int i = 0; i < layers; i++) {
            transformer_blocks.add(new BasicTransformerBlock(inner, heads, dimHead, crossAttentionDim,
                    upcastAttention));
        }
        this.proj_out = child("proj_out", linearProjection
                ? new Linear(inner, inChannels) : new Conv2d(inner, inChannels, 1, 1, 0));
    }

    public Tensor forward(Tensor x, Tensor context) {
        return BlockFamily.TRANSFORMER.run(() -> Torch.scoped(() -> {
            long b = x.size(0);
            long h = x.size(2);
            long w = x.size(3);
            Tensor tokens = norm.forward(x);
            if (linearProjection) {
                tokens = ((Linear) proj_in).forward(toTokens(tokens));
            } else {
                tokens = toTokens(((Conv2d) proj_in).forward(tokens));
            }
            for (BasicTransformerBlock block : transformer_blocks) {
                tokens = block.forward(tokens, context);
            }
            Tensor out;
            if (linearProjection) {
                out = toMap(((Linear) proj_out).forward(tokens), b, h, w);
            } else {
                out = ((Conv2d) proj_out).forward(toMap(tokens, b, h, w));
            }
            return out.add(x);
        }));
    }

    /** (B, C, H, W) → (B, H·W, C). */
    public static Tensor toTokens(Tensor map) {
        long b = map.size(0);
        long c = map.size(1);
        return Torch.contiguous(map.permute(0, 2, 3, 1)).view(b, map.size(2) * map.size(3), c);
    }

    /** (B, H·W, C) → (B, C, H, W), contiguous. */
    public static Tensor toMap(Tensor tokens, long b, long h, long w) {
        return Torch.contiguous(tokens.reshape(b, h, w, tokens.size(2)).permute(0, 3, 1, 2));
    }
}
