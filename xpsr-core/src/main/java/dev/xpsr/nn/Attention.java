package dev.xpsr.nn;

import dev.xpsr.io.DType;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * diffusers' {@code Attention} (0.21.4) with its default processor: multi-head attention computed by libtorch's
 * fused scaled-dot-product attention, scale {@code dim_head^-0.5}. With {@code upcast_attention} (SD-2.x) and
 * inputs below float32 precision, q·kᵀ and the softmax run in float32 and the probabilities are cast back to the
 * input type before they weight v, as {@code Attention.get_attention_scores} does under diffusers' classic
 * {@code AttnProcessor}; on float32 inputs that cast changes nothing, so the fused path serves both settings.
 *
 * <p>x (B, N, query_dim), context (B, M, cross_attention_dim) or none (self-attention) → (B, N, query_dim).
 * Fields {@code to_q, to_k, to_v, to_out.0} (and {@code group_norm} for the VAE's mid-block attention, which
 * works on (B, C, H, W) maps with a residual connection) are named as in the state dict.
 */
public final class Attention extends Module {
    public final Linear to_q;
    public final Linear to_k;
    public final Linear to_v;
    public final ModuleList<Linear> to_out;
    public final GroupNorm group_norm;
    public final int heads;
    private final boolean upcastAttention;

    /**
     * @param queryDim          channels of the query input
     * @param crossAttentionDim channels of the context, or {@code queryDim} for self-attention
     * @param heads             number of heads
     * @param dimHead           channels per head
     * @param qkvBias           whether q/k/v projections have a bias (false in the UNet, true in the VAE)
     * @param normGroups        groups of the input GroupNorm, or 0 for none
     * @param normEps           eps of that GroupNorm
     */
    public Attention(long queryDim, long crossAttentionDim, int heads, long dimHead, boolean qkvBias,
                     long normGroups, double normEps) {
        this(queryDim, crossAttentionDim, heads, dimHead, qkvBias, normGroups, normEps, false);
    }

    private Attention(long queryDim, long crossAttentionDim, int heads, long dimHead, boolean qkvBias,
                      long normGroups, double normEps, boolean upcastAttention) {
        long inner = heads * dimHead;
        this.heads = heads;
        this.upcastAttention = upcastAttention;
        this.group_norm = normGroups > 0 ? child("group_norm", new GroupNorm(normGroups, queryDim, normEps)) : null;
        this.to_q = child("to_q", new Linear(queryDim, inner, qkvBias));
        this.to_k = child("to_k", new Linear(crossAttentionDim, inner, qkvBias));
        this.to_v = child("to_v", new Linear(crossAttentionDim, inner, qkvBias));
        this.to_out = child("to_out", new ModuleList<Linear>().add(new Linear(inner, queryDim, true)));
    }

    /**
     * The transformer-block form: q/k/v projections without bias and no input norm.
     *
     * @param upcastAttention {@code upcast_attention}: attention scores in float32 for low-precision inputs
     */
    public static Attention transformer(long queryDim, long crossAttentionDim, int heads, long dimHead,
                                        boolean upcastAttention) {
        return new Attention(queryDim, crossAttentionDim, heads, dimHead, false, 0, 0, upcastAttention);
    }

    /** Attention of token sequences; {@code context} null means self-attention. */
    public Tensor forward(Tensor x, Tensor context) {
        return Torch.scoped(() -> {
            Tensor kv = context == null ? x : context;
            Tensor q = splitHeads(to_q.forward(x));
            Tensor k = splitHeads(to_k.forward(kv));
            Tensor v = splitHeads(to_v.forward(kv));
            Tensor out = upcastAttention && Torch.dtype(q) != DType.F32
                    ? upcastScores(q, k, v) : Torch.scaledDotProductAttention(q, k, v, false);
            return to_out.get(0).forward(mergeHeads(out));
        });
    }

    /**
     * {@code get_attention_scores} with {@code upcast_attention}: {@code baddbmm(q.float(), k.float()ᵀ,
     * alpha=scale)}, softmax in float32, probabilities {@code .to(dtype)} of the input, then {@code bmm} with v.
     */
    private static Tensor upcastScores(Tensor q, Tensor k, Tensor v) {
        double scale = 1.0 / Math.sqrt(q.size(-1));
        Tensor scores = Torch.mul(q.to(ScalarType.Float).matmul(k.to(ScalarType.Float).transpose(-2, -1)), scale);
        return Torch.softmax(scores, -1).to(q.scalar_type()).matmul(v);
    }

    /**
     * The VAE mid-block form on feature maps: GroupNorm, single-scale self-attention over all positions,
     * output projection, residual. x (B, C, H, W) → same shape.
     */
    public Tensor forwardSpatial(Tensor x) {
        return Torch.scoped(() -> {
            long b = x.size(0);
            long c = x.size(1);
            long h = x.size(2);
            long w = x.size(3);
            Tensor tokens = x.view(b, c, h * w).transpose(1, 2);
            Tensor normed = group_norm.forward(tokens.transpose(1, 2)).transpose(1, 2);
            Tensor out = forward(normed, null);
            return out.transpose(-1, -2).reshape(b, c, h, w).add(x);
        });
    }

    /** (B, N, heads·d) → (B, heads, N, d). */
    private Tensor splitHeads(Tensor t) {
        long b = t.size(0);
        long n = t.size(1);
        return t.view(b, n, heads, t.size(2) / heads).transpose(1, 2);
    }

    /** (B, heads, N, d) → (B, N, heads·d). */
    private static Tensor mergeHeads(Tensor t) {
        long b = t.size(0);
        long n = t.size(2);
        return Torch.contiguous(t.transpose(1, 2)).view(b, n, t.size(1) * t.size(3));
    }
}
