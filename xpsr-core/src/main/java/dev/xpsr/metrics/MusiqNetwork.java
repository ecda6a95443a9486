package dev.xpsr.metrics;

import dev.xpsr.nn.GroupNorm;
import dev.xpsr.nn.LayerNorm;
import dev.xpsr.nn.Linear;
import dev.xpsr.nn.Module;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * pyiqa 0.1.10's {@code MUSIQ} network ({@code musiq_arch.py}), field names = the checkpoint's keys:
 * <pre>
 *   patch (3, P, P) → conv_root (weight-standardised 7×7/2, SAME) → gn_root → ReLU → SAME-padded 3×3/2 max pool
 *     → block1 (bottleneck, r → 4r channels) → HWC flatten → embedding            (one token per patch)
 *   tokens + position_emb[hashed position] + scale_emb[scale id], [cls] prepended
 *     → transformer.encoderblock_i (pre-LN, masked attention, GELU MLP) × depth → encoder_norm
 *   head(token 0) → softmax if more than one class → Σ_k k·p_k (pyiqa's dist_to_mos; one class: the value itself)
 *   (without use_scale_emb the scale embedding is loaded but not added)
 * </pre>
 * The ResNet part runs on every patch independently, so the batch is (N·L) patches; the transformer sees (N, 1 + L).
 */
public final class MusiqNetwork extends Module {
    private static final int GROUPS = 32;

    final Musiq.Config config;
    final StdConv conv_root;
    final GroupNorm gn_root;
    final Bottleneck block1;
    final Linear embedding;
    final Encoder transformer_encoder;
    final Linear head;

    public MusiqNetwork(Musiq.Config c) {
        this.config = c;
        long r = c.rootChannels();
        long tokenPatch = c.patchSize() / 4;
        conv_root = child("conv_root", new StdConv(3, r, 7, 2));
        gn_root = child("gn_root", new GroupNorm(GROUPS, r, 1e-6));
        block1 = child("block1", new Bottleneck(r, 4 * r));
        embedding = child("embedding", new Linear(4 * r * tokenPatch * tokenPatch, c.hiddenSize()));
        transformer_encoder = child("transformer_encoder", new Encoder(c));
        // with several classes the reference's head is nn.Sequential(Linear, Softmax): key head.0.*
        if (c.numClass() > 1) {
            head = child("head", new Container()).add("0", new Linear(c.hiddenSize(), c.numClass()));
        } else {
            head = child("head", new Linear(c.hiddenSize(), 1));
        }
    }

    /**
     * What {@link #run} produces for N images of L tokens.
     *
     * @param embedding the tokens after {@code embedding}, before any position is added (N, L, hidden)
     * @param encoded   the encoder output after {@code encoder_norm}, [cls] first (N, 1 + L, hidden)
     * @param dist      the head output (N, num_class): the value itself for one class, else softmax probabilities
     * @param mos       the scores (N): pyiqa's {@code dist_to_mos}, Σ_k k·dist_k
     */
    record Outputs(Tensor embedding, Tensor encoded, Tensor dist, Tensor mos) {
    }

    /** The outputs for patches (N, L, 3, P, P) with their token layout. */
    Outputs run(Tensor patches, MusiqPatches.Layout layout) {
        long n = patches.size(0);
        long len = patches.size(1);
        Tensor tokens = Torch.scoped(() -> embed(patches.reshape(n * len, 3, config.patchSize(), config.patchSize()))
                .reshape(n, len, -1));
        Tensor x = embedding.forward(tokens);
        Tensor encoded = transformer_encoder.forward(x, layout);
        Tensor dist = head.forward(encoded.select(1, 0));
        if (config.numClass() > 1) {
            dist = Torch.softmax(dist, -1);
        }
        Tensor classes = Torch.add(Torch.arange(config.numClass()), 1).to(dist.device(), dist.scalar_type());
        return new Outputs(x, encoded, dist, dist.mul(classes).sum(1));
    }

    /** The convolutional stem of every patch, flattened in TensorFlow's (H, W, C) order: (N·L, 4r·(P/4)²). */
    private Tensor embed(Tensor patches) {
        Tensor x = gn_root.forward(conv_root.forward(patches)).relu_();
        x = Torch.maxPool2d(TfSamePadding.pad(x, 3, 2), 3, 2);
        x = block1.forward(x);
        return x.permute(0, 2, 3, 1).reshape(x.size(0), -1);
    }

    /**
     * {@code StdConv}: a bias-free convolution whose kernel is standardised per output channel,
     * (W − mean) / (std + 1e-5) with torch's unbiased std, applied after TF-'SAME' zero padding.
     */
    static final class StdConv extends Module {
        final Tensor weight;
        final long kernel;
        final long stride;

        StdConv(long in, long out, long kernel, long stride) {
            this.kernel = kernel;
            this.stride = stride;
            this.weight = parameter("weight", out, in, kernel, kernel);
        }

        Tensor forward(Tensor x) {
            return Torch.scoped(() -> {
                Tensor flat = weight.reshape(weight.size(0), -1);
                Tensor centred = flat.sub(Torch.mean(flat, 1, true));
                Tensor standardised = centred.div(Torch.add(flat.std(new long[] {1}, true, true), 1e-5))
                        .reshape(Torch.shape(weight));
                return Torch.conv2d(TfSamePadding.pad(x, kernel, stride), standardised, null, stride, 0);
            });
        }
    }

    /** ResNet-v2-style bottleneck of MUSIQ's stem: 1×1, 3×3, 1×1 StdConvs with GroupNorm (eps 1e-4), projection. */
    static final class Bottleneck extends Module {
        final StdConv conv1;
        final GroupNorm gn1;
        final StdConv conv2;
        final GroupNorm gn2;
        final StdConv conv3;
        final GroupNorm gn3;
        final StdConv conv_proj;
        final GroupNorm gn_proj;

        Bottleneck(long in, long out) {
            conv1 = child("conv1", new StdConv(in, in, 1, 1));
            gn1 = child("gn1", new GroupNorm(GROUPS, in, 1e-4));
            conv2 = child("conv2", new StdConv(in, in, 3, 1));
            gn2 = child("gn2", new GroupNorm(GROUPS, in, 1e-4));
            conv3 = child("conv3", new StdConv(in, out, 1, 1));
            gn3 = child("gn3", new GroupNorm(GROUPS, out, 1e-4));
            // the reference projects whenever the widths differ (stride is always 1 here)
            boolean project = in != out;
            conv_proj = project ? child("conv_proj", new StdConv(in, out, 1, 1)) : null;
            gn_proj = project ? child("gn_proj", new GroupNorm(GROUPS, out, 1e-4)) : null;
        }

        Tensor forward(Tensor x) {
            return Torch.scoped(() -> {
                Tensor identity = conv_proj == null ? x : gn_proj.forward(conv_proj.forward(x));
                Tensor y = gn1.forward(conv1.forward(x)).relu_();
                y = gn2.forward(conv2.forward(y)).relu_();
                y = gn3.forward(conv3.forward(y));
                return y.add(identity).relu_();
            });
        }
    }

    /** {@code TransformerEncoder}: embeddings, [cls], encoder blocks, final LayerNorm (eps 1e-6). */
    static final class Encoder extends Module {
        final Tensor position_emb;
        final Tensor scale_emb;
        final Tensor cls;
        final LayerNorm encoder_norm;
        final Container transformer;
        final MusiqBlock[] blocks;
        private final boolean useScaleEmb;

        Encoder(Musiq.Config c) {
            long d = c.hiddenSize();
            long grid = c.spatialPosGridSize();
            position_emb = child("posembed_input", new Container()).addParameter("position_emb", 1, grid * grid, d);
            scale_emb = child("scaleembed_input", new Container()).addParameter("scale_emb", c.numScales(), d);
            useScaleEmb = c.useScaleEmb();
            cls = parameter("cls", 1, 1, d);
            encoder_norm = child("encoder_norm", new LayerNorm(d, 1e-6));
            transformer = child("transformer", new Container());
            blocks = new MusiqBlock[c.numLayers()];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = transformer.add("encoderblock_" + i, new MusiqBlock(d, c.mlpDim(), c.numHeads()));
            }
        }

        /** (N, L, d) tokens → (N, 1 + L, d) encoded, [cls] first. */
        Tensor forward(Tensor x, MusiqPatches.Layout layout) {
            Tensor spatial = Torch.fromLongs(layout.spatialPositions(), layout.length()).to(x.device(), ScalarType.Long);
            Tensor h = x.add(Torch.embedding(position_emb.squeeze(0), spatial));
            if (useScaleEmb) {
                Tensor scales = Torch.fromLongs(layout.scaleIds(), layout.length()).to(x.device(), ScalarType.Long);
                h = h.add(Torch.embedding(scale_emb, scales));
            }
            Tensor clsTokens = cls.to(h.scalar_type()).expand(h.size(0), 1, h.size(2));
            h = Torch.cat(1, clsTokens, h);
            long[] withCls = new long[layout.length() + 1];
            withCls[0] = 1;
            System.arraycopy(layout.mask(), 0, withCls, 1, layout.length());
            Tensor keep = MusiqBlock.pairMask(withCls, h);
            for (MusiqBlock b : blocks) {
                h = b.forward(h, keep);
            }
            return encoder_norm.forward(h);
        }
    }
}
