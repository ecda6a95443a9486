package dev.xpsr.metrics;

import dev.xpsr.nn.LayerNorm;
import dev.xpsr.nn.Linear;
import dev.xpsr.nn.Module;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * MUSIQ's {@code TransformerBlock} (pyiqa 0.1.10): pre-LayerNorm (eps 1e-6) multi-head self-attention with
 * biased query/key/value projections and output projection {@code out}, then a GELU MLP ({@code mlp.fc1},
 * {@code mlp.fc2}), each with a residual. x (N, T, d) → (N, T, d).
 *
 * <p>The attention is computed explicitly because the reference masks by <i>replacing</i> the logits of every
 * (query, key) pair involving a padding token with −1000 ({@code masked_fill(mask2d == 0, -1e3)}), not with −∞:
 * a padded query then attends uniformly, and the result is reproduced only by the same replacement.
 */
final class MusiqBlock extends Module {
    private static final double MASKED_LOGIT = -1e3;

    final LayerNorm norm1;
    final Container attention;
    final Linear query;
    final Linear key;
    final Linear value;
    final Linear out;
    final LayerNorm norm2;
    final Linear fc1;
    final Linear fc2;
    private final int heads;

    MusiqBlock(long dim, long mlpDim, int heads) {
        if (dim % heads != 0) {
            throw new IllegalArgumentException("MUSIQ: hidden size " + dim + " is not divisible by " + heads + " heads");
        }
        this.heads = heads;
        norm1 = child("norm1", new LayerNorm(dim, 1e-6));
        attention = child("attention", new Container());
        query = attention.add("query", new Linear(dim, dim));
        key = attention.add("key", new Linear(dim, dim));
        value = attention.add("value", new Linear(dim, dim));
        out = attention.add("out", new Linear(dim, dim));
        norm2 = child("norm2", new LayerNorm(dim, 1e-6));
        Container mlp = child("mlp", new Container());
        fc1 = mlp.add("fc1", new Linear(dim, mlpDim));
        fc2 = mlp.add("fc2", new Linear(mlpDim, dim));
    }

    /**
     * The (T, T) 0/1 pair mask {@code mask_h · mask_w} of a token mask, in the type and on the device of
     * {@code like}: 1 where both tokens are real.
     */
    static Tensor pairMask(long[] tokenMask, Tensor like) {
        Tensor m = Torch.fromLongs(tokenMask, tokenMask.length).to(like.device(), ScalarType.Long)
                .to(like.scalar_type());
        return m.unsqueeze(1).mul(m.unsqueeze(0));
    }

    /** One block on (N, T, d) with the (T, T) pair mask of {@link #pairMask}. */
    Tensor forward(Tensor x, Tensor keep) {
        return Torch.scoped(() -> {
            Tensor h = x.add(attend(norm1.forward(x), keep));
            return h.add(fc2.forward(Torch.gelu(fc1.forward(norm2.forward(h)))));
        });
    }

    /** softmax(masked(q kᵀ / √d_head)) v, heads merged, through {@code out}. */
    Tensor attend(Tensor x, Tensor keep) {
        long n = x.size(0);
        long t = x.size(1);
        long c = x.size(2);
        Tensor q = split(query.forward(x), n, t, c);
        Tensor k = split(key.forward(x), n, t, c);
        Tensor v = split(value.forward(x), n, t, c);
        Tensor logits = Torch.mul(q.matmul(k.transpose(-2, -1)), Math.pow((double) c / heads, -0.5));
        // masked_fill: keep·logit + (1 − keep)·(−1000) equals the logit or exactly −1000
        Tensor masked = logits.mul(keep).add(Torch.mul(Torch.rsub(1, keep), MASKED_LOGIT));
        Tensor y = Torch.softmax(masked, -1).matmul(v).transpose(1, 2).reshape(n, t, c);
        return out.forward(y);
    }

    private Tensor split(Tensor x, long n, long t, long c) {
        return x.reshape(n, t, heads, c / heads).permute(0, 2, 1, 3);
    }
}
