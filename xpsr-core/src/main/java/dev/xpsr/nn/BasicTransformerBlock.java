package dev.xpsr.nn;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code BasicTransformerBlock} (layer-norm variant): pre-norm self-attention, pre-norm
 * cross-attention to the context, pre-norm GEGLU feed-forward, each with a residual.
 * x (B, N, dim), context (B, M, crossDim) → (B, N, dim).
 */
public final class BasicTransformerBlock extends Module {
    public final LayerNorm norm1;
    public final Attention attn1;
    public final LayerNorm norm2;
    public final Attention attn2;
    public final LayerNorm norm3;
    public final FeedForward ff;

    /** @param upcastAttention {@code upcast_attention} of both attentions (SD-2.x) */
    public BasicTransformerBlock(long dim, int heads, long dimHead, long crossAttentionDim, boolean upcastAttention) {
        this.norm1 = child("norm1", new LayerNorm(dim, 1e-5));
        this.attn1 = child("attn1", Attention.transformer(dim, dim, heads, dimHead, upcastAttention));
        this.norm2 = child("norm2", new LayerNorm(dim, 1e-5));
        this.attn2 = child("attn2", Attention.transformer(dim, crossAttentionDim, heads, dimHead, upcastAttention));
        this.norm3 = child("norm3", new LayerNorm(dim, 1e-5));
        this.ff = child("ff", new FeedForward(dim, 4));
    }

    public Tensor forward(Tensor x, Tensor context) {
        return Torch.scoped(() -> {
            Tensor h = attn1.forward(norm1.forward(x), null).add(x);
            h = attn2.forward(norm2.forward(h), context).add(h);
            return ff.forward(norm3.forward(h)).add(h);
        });
    }
}
