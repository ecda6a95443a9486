package dev.xpsr.metrics;

import dev.xpsr.nn.Embedding;
import dev.xpsr.nn.LayerNorm;
import dev.xpsr.nn.Linear;
import dev.xpsr.nn.Module;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

/**
 * OpenAI CLIP's text tower ({@code CLIP.encode_text} of {@code clip/model.py}) with the original checkpoint's
 * top-level keys: {@code token_embedding.weight}, {@code positional_embedding}, {@code transformer.resblocks.N.*}
 * ({@code ln_1}, {@code attn.in_proj_weight / in_proj_bias} with q, k, v stacked, {@code attn.out_proj},
 * {@code ln_2}, {@code mlp.c_fc}, {@code mlp.c_proj}), {@code ln_final}, {@code text_projection} (width × embed,
 * applied as x · P). Pre-norm blocks with causal self-attention and quick-GELU, LayerNorm eps 1e-5; the output
 * is the final-norm state at each sequence's end-of-text token, projected. (The model under
 * {@code dev.xpsr.model} is the same network in the Hugging Face layout, whose fused-projection keys differ.)
 */
public final class ClipTextTower extends Module {
    private static final double LN_EPS = 1e-5;

    private final Embedding tokenEmbedding;
    private final Tensor positionalEmbedding;
    private final Block[] blocks;
    private final LayerNorm lnFinal;
    private final Tensor textProjection;

    /**
     * @param vocab   token count (49,408)
     * @param context sequence length (77)
     * @param width   channels (RN50: 512)
     * @param heads   attention heads (CLIP: width // 64)
     * @param layers  residual attention blocks (12)
     * @param embed   joint embedding size (RN50: 1024)
     */
    public ClipTextTower(long vocab, long context, long width, int heads, int layers, long embed) {
        tokenEmbedding = child("token_embedding", new Embedding(vocab, width));
        positionalEmbedding = parameter("positional_embedding", context, width);
        Container resblocks = child("transformer", new Container()).add("resblocks", new Container());
        blocks = new Block[layers];
        for (int i = 0; i < layers; i++) {
            blocks[i] = resblocks.add(Integer.toString(i), new Block(width, heads));
        }
        lnFinal = child("ln_final", new LayerNorm(width, LN_EPS));
        textProjection = parameter("text_projection", width, embed);
    }

    /**
     * Text embeddings (B, embed) of token ids (B rows of the context length) as {@code clip.tokenize} makes them;
     * each sequence's output is read at its end-of-text token, the largest id in the vocabulary (the first
     * position of the row maximum, {@code text.argmax(dim=-1)}).
     */
    Tensor forward(long[][] ids) {
        long context = positionalEmbedding.size(0);
        long[] flat = new long[ids.length * (int) context];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i].length != context) {
                throw new IllegalArgumentException("token row " + i + " has " + ids[i].length + " ids, not " + context);
            }
            System.arraycopy(ids[i], 0, flat, i * (int) context, (int) context);
        }
        Tensor x = tokenEmbedding.forward(Torch.fromLongs(flat, ids.length, context)).add(positionalEmbedding);
        for (Block b : blocks) {
            Tensor in = x;
            x = Torch.scoped(() -> b.forward(in));
        }
        x = lnFinal.forward(x);
        Tensor[] rows = new Tensor[ids.length];
        for (int i = 0; i < ids.length; i++) {
            rows[i] = x.select(0, i).select(0, argmax(ids[i])).unsqueeze(0);
        }
        return Torch.cat(0, rows).matmul(textProjection);
    }

    private static int argmax(long[] row) {
        int best = 0;
        for (int j = 1; j < row.length; j++) {
            if (row[j] > row[best]) {
                best = j;
            }
        }
        return best;
    }

    /** {@code ResidualAttentionBlock}: x + attn(ln_1(x)), then x + mlp(ln_2(x)). */
    static final class Block extends Module {
        private final LayerNorm ln1;
        private final Tensor inProjWeight;
        private final Tensor inProjBias;
        private final Linear outProj;
        private final LayerNorm ln2;
        private final Linear cFc;
        private final Linear cProj;
        private final int heads;

        Block(long width, int heads) {
            this.heads = heads;
            Container attn = child("attn", new Container());
            inProjWeight = attn.addParameter("in_proj_weight", 3 * width, width);
            inProjBias = attn.addParameter("in_proj_bias", 3 * width);
            outProj = attn.add("out_proj", new Linear(width, width));
            ln1 = child("ln_1", new LayerNorm(width, LN_EPS));
            Container mlp = child("mlp", new Container());
            cFc = mlp.add("c_fc", new Linear(width, 4 * width));
            cProj = mlp.add("c_proj", new Linear(4 * width, width));
            ln2 = child("ln_2", new LayerNorm(width, LN_EPS));
        }

        Tensor forward(Tensor x) {
            Tensor h = x.add(attention(ln1.forward(x)));
            return h.add(cProj.forward(Torch.quickGelu(cFc.forward(ln2.forward(h)))));
        }

        /** {@code nn.MultiheadAttention} with the causal mask, q, k, v from one stacked projection. */
        private Tensor attention(Tensor x) {
            long b = x.size(0);
            long n = x.size(1);
            long c = x.size(2);
            Tensor[] qkv = Torch.chunk(Torch.linear(x, inProjWeight, inProjBias), 3, 2);
            Tensor out = Torch.scaledDotProductAttention(heads(qkv[0]), heads(qkv[1]), heads(qkv[2]), true);
            return outProj.forward(out.transpose(1, 2).reshape(b, n, c));
        }

        private Tensor heads(Tensor t) {
            return t.reshape(t.size(0), t.size(1), heads, t.size(2) / heads).transpose(1, 2);
        }
    }
}
