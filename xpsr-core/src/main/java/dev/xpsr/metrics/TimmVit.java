package dev.xpsr.metrics;

import dev.xpsr.nn.Conv2d;
import dev.xpsr.nn.LayerNorm;
import dev.xpsr.nn.Linear;
import dev.xpsr.nn.Module;
import dev.xpsr.nn.ModuleList;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

/**
 * timm's {@code VisionTransformer} as {@code vit_base_patch8_224} builds it (class token, learned position
 * embedding, pre-LN blocks with LayerNorm eps 1e-6, fused {@code attn.qkv}, GELU MLP), with timm's state-dict
 * names: {@code cls_token}, {@code pos_embed}, {@code patch_embed.proj}, {@code blocks.i.{norm1, attn.qkv,
 * attn.proj, norm2, mlp.fc1, mlp.fc2}}, {@code norm}, {@code head}.
 *
 * <p>MANIQA only reads the outputs of some blocks (forward hooks); {@link #blockOutputs} therefore stops after the
 * last block asked for. The final {@code norm} and the classifier {@code head} exist so that checkpoints load
 * strictly, but they never influence the metric and are not computed.
 */
final class TimmVit extends Module {
    final Tensor cls_token;
    final Tensor pos_embed;
    final Conv2d proj;
    final ModuleList<Block> blocks;
    final LayerNorm norm;
    final Linear head;
    private final long patchSize;

    TimmVit(long imageSize, long patchSize, long dim, int depth, int heads, long mlpDim, long classes) {
        this.patchSize = patchSize;
        long tokens = (imageSize / patchSize) * (imageSize / patchSize);
        cls_token = parameter("cls_token", 1, 1, dim);
        pos_embed = parameter("pos_embed", 1, tokens + 1, dim);
        proj = child("patch_embed", new Container()).add("proj", new Conv2d(3, dim, patchSize, patchSize, 0));
        blocks = child("blocks", new ModuleList<>());
        for (int i = 0; i < depth; i++) {
            blocks.add(new Block(dim, heads, mlpDim));
        }
        norm = child("norm", new LayerNorm(dim, 1e-6));
        head = classes > 0 ? child("head", new Linear(dim, classes)) : null;
    }

    /**
     * The outputs (B, 1 + T, D) of the blocks with the given (ascending) indices, for images (B, 3, S, S) already
     * normalised; the blocks after the last index are not run.
     */
    Tensor[] blockOutputs(Tensor images, int[] indices) {
        Tensor[] out = new Tensor[indices.length];
        Tensor x = Torch.scoped(() -> embed(images));
        int next = 0;
        for (int i = 0; next < indices.length; i++) {
            x = blocks.get(i).forward(x);
            if (i == indices[next]) {
                out[next++] = x;
            }
        }
        return out;
    }

    /** Patch embedding, class token, position embedding: (B, 1 + T, D). */
    private Tensor embed(Tensor images) {
        Tensor patches = proj.forward(images);
        Tensor tokens = patches.flatten(2, 3).transpose(1, 2);
        Tensor cls = cls_token.expand(tokens.size(0), 1, tokens.size(2));
        return Torch.cat(1, cls, tokens).add(pos_embed);
    }

    /** timm's {@code Block}: x + attn(norm1(x)), then x + mlp(norm2(x)). */
    static final class Block extends Module {
        final LayerNorm norm1;
        final Linear qkv;
        final Linear attnProj;
        final LayerNorm norm2;
        final Linear fc1;
        final Linear fc2;
        private final int heads;

        Block(long dim, int heads, long mlpDim) {
            if (dim % heads != 0) {
                throw new IllegalArgumentException("ViT: width " + dim + " is not divisible by " + heads + " heads");
            }
            this.heads = heads;
            norm1 = child("norm1", new LayerNorm(dim, 1e-6));
            Container attn = child("attn", new Container());
            qkv = attn.add("qkv", new Linear(dim, 3 * dim));
            attnProj = attn.add("proj", new Linear(dim, dim));
            norm2 = child("norm2", new LayerNorm(dim, 1e-6));
            Container mlp = child("mlp", new Container());
            fc1 = mlp.add("fc1", new Linear(dim, mlpDim));
            fc2 = mlp.add("fc2", new Linear(mlpDim, dim));
        }

        Tensor forward(Tensor x) {
            return Torch.scoped(() -> {
                Tensor h = x.add(attend(norm1.forward(x)));
                return h.add(fc2.forward(Torch.gelu(fc1.forward(norm2.forward(h)))));
            });
        }

        /** Multi-head self-attention, softmax(q kᵀ / √d_head) v, by libtorch's fused kernel. */
        private Tensor attend(Tensor x) {
            long b = x.size(0);
            long n = x.size(1);
            long c = x.size(2);
            Tensor qkvs = qkv.forward(x).reshape(b, n, 3, heads, c / heads).permute(2, 0, 3, 1, 4);
            Tensor y = Torch.scaledDotProductAttention(qkvs.select(0, 0), qkvs.select(0, 1), qkvs.select(0, 2), false);
            return attnProj.forward(y.transpose(1, 2).reshape(b, n, c));
        }
    }
}
