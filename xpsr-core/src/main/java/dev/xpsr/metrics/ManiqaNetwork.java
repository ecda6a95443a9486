package dev.xpsr.metrics;

import dev.xpsr.nn.Conv2d;
import dev.xpsr.nn.Linear;
import dev.xpsr.nn.Module;
import dev.xpsr.nn.ModuleList;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.List;

/**
 * pyiqa 0.1.10's {@code MANIQA} network ({@code maniqa_arch.py}), field names = the checkpoint's keys. On crops
 * (B, 3, S, S) normalised with mean = std = 0.5, with R = S/patch and D the ViT width:
 * <pre>
 *   F = concat(ViT block 6, 7, 8, 9 outputs without the class token)         (B, R², 4D)
 *   stage 1: tablock1 × num_tab over (B, 4D, R²) → conv1 (1×1, 4D → D) → swintransformer1
 *   stage 2: tablock2 × num_tab over (B, D, R²)  → conv2 (1×1, D → D/2) → swintransformer2
 *   per position: s = ReLU(fc_score(f)), w = σ(fc_weight(f))                  (fc_*: Linear, ReLU, Dropout, Linear)
 *   (a ViT deeper than 10 blocks runs only to block 9: the deeper outputs are ignored by the reference)
 * </pre>
 * The image's score is Σ w·s / (Σ w + 1e-8) over every position of every crop of the image ({@link #scoreAndWeight}
 * returns s and w so crops can be run in groups and reduced once, in the reference's order).
 */
public final class ManiqaNetwork extends Module {
    private static final int[] FEATURE_BLOCKS = {6, 7, 8, 9};

    final TimmVit vit;
    final ModuleList<TaBlock> tablock1;
    final Conv2d conv1;
    final ManiqaSwin swintransformer1;
    final ModuleList<TaBlock> tablock2;
    final Conv2d conv2;
    final ManiqaSwin swintransformer2;
    final Linear scoreHidden;
    final Linear scoreOut;
    final Linear weightHidden;
    final Linear weightOut;
    private final int resolution;

    public ManiqaNetwork(Maniqa.Config c) {
        resolution = c.resolution();
        long tokens = (long) resolution * resolution;
        long d = c.embedDim();
        vit = child("vit", new TimmVit(c.cropSize(), c.patchSize(), d, c.vitDepth(), c.vitHeads(), c.vitMlpDim(),
                c.vitClasses()));
        tablock1 = child("tablock1", new ModuleList<>());
        tablock2 = child("tablock2", new ModuleList<>());
        for (int i = 0; i < c.numTab(); i++) {
            tablock1.add(new TaBlock(tokens));
        }
        conv1 = child("conv1", new Conv2d(FEATURE_BLOCKS.length * d, d, 1, 1, 0));
        swintransformer1 = child("swintransformer1", new ManiqaSwin(resolution, d, c.swinDepths(), c.swinHeads(),
                c.window(), c.swinMlpDim(), c.swinScale()));
        for (int i = 0; i < c.numTab(); i++) {
            tablock2.add(new TaBlock(tokens));
        }
        conv2 = child("conv2", new Conv2d(d, d / 2, 1, 1, 0));
        swintransformer2 = child("swintransformer2", new ManiqaSwin(resolution, d / 2, c.swinDepths(), c.swinHeads(),
                c.window(), c.swinMlpDim(), c.swinScale()));
        // nn.Sequential(Linear, ReLU, Dropout, Linear, ReLU|Sigmoid): the Linears are entries 0 and 3
        Container fcScore = child("fc_score", new Container());
        scoreHidden = fcScore.add("0", new Linear(d / 2, d / 2));
        scoreOut = fcScore.add("3", new Linear(d / 2, c.numOutputs()));
        Container fcWeight = child("fc_weight", new Container());
        weightHidden = fcWeight.add("0", new Linear(d / 2, d / 2));
        weightOut = fcWeight.add("3", new Linear(d / 2, c.numOutputs()));
    }

    /** The ViT block the metric reads last: the checkpoint's ViT needs at least this many blocks plus one. */
    static int lastFeatureBlock() {
        return FEATURE_BLOCKS[FEATURE_BLOCKS.length - 1];
    }

    /**
     * The intermediate results of crops (B, 3, S, S), named as the reference's forward names them.
     *
     * @param vitFeatures the outputs of ViT blocks 6–9 without the class token, concatenated: (B, R², 4D)
     * @param stage1      after {@code swintransformer1}: (B, D, R, R)
     * @param stage2      after {@code swintransformer2}: (B, D/2, R, R)
     * @param score       per-position scores: (B, R²·num_outputs)
     * @param weight      per-position weights, the same shape
     */
    record Stages(Tensor vitFeatures, Tensor stage1, Tensor stage2, Tensor score, Tensor weight) {
    }

    /** Every stage of normalised crops (B, 3, S, S). */
    Stages stages(Tensor crops) {
        Tensor features = Torch.scoped(() -> {
            Tensor[] blocks = vit.blockOutputs(crops, FEATURE_BLOCKS);
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = blocks[i].narrow(1, 1, blocks[i].size(1) - 1);
            }
            return Torch.cat(2, blocks);
        });
        Tensor x = Torch.scoped(() -> stage(features.transpose(1, 2), tablock1, conv1, swintransformer1));
        Tensor y = Torch.scoped(() -> stage(x.flatten(2, 3), tablock2, conv2, swintransformer2));
        Tensor perPosition = y.flatten(2, 3).transpose(1, 2);
        long b = crops.size(0);
        // fc_score: Linear, ReLU, Dropout (identity in eval), Linear, ReLU; fc_weight ends with a sigmoid instead
        Tensor s = scoreOut.forward(scoreHidden.forward(perPosition).relu()).relu().reshape(b, -1);
        Tensor w = Torch.sigmoid(weightOut.forward(weightHidden.forward(perPosition).relu())).reshape(b, -1);
        return new Stages(features, x, y, s, w);
    }

    /** Per-position scores and weights, each (B, R²·num_outputs), of normalised crops (B, 3, S, S). */
    Tensor[] scoreAndWeight(Tensor crops) {
        // the stages' large intermediates are freed here rather than kept until the caller's scope closes
        List<Tensor> sw = Torch.scopedAll(() -> {
            Stages all = stages(crops);
            return List.of(all.score(), all.weight());
        });
        return new Tensor[] {sw.get(0), sw.get(1)};
    }

    /** TA blocks on (B, C, R²), then the 1×1 convolution and the Swin stage on the (B, C, R, R) map. */
    private Tensor stage(Tensor channelsFirst, ModuleList<TaBlock> tabs, Conv2d conv, ManiqaSwin swin) {
        Tensor x = channelsFirst;
        for (TaBlock t : tabs) {
            x = t.forward(x);
        }
        Tensor map = x.reshape(x.size(0), x.size(1), resolution, resolution);
        return swin.forward(conv.forward(map));
    }

    /**
     * {@code TABlock}: attention across channels. x (B, C, N) with q, k, v = Linear(N, N) of each channel's row,
     * a = softmax(q kᵀ / √N) (C × C), out = x + reshape(transpose(a v)). The reference transposes (a v) to
     * (B, N, C) and then only <i>reshapes</i> it to (B, C, N), which interleaves positions and channels; that layout
     * is reproduced, since the published weights were trained with it.
     */
    static final class TaBlock extends Module {
        final Linear c_q;
        final Linear c_k;
        final Linear c_v;
        private final double normFact;

        TaBlock(long tokens) {
            c_q = child("c_q", new Linear(tokens, tokens));
            c_k = child("c_k", new Linear(tokens, tokens));
            c_v = child("c_v", new Linear(tokens, tokens));
            normFact = Math.pow(tokens, -0.5);
        }

        Tensor forward(Tensor x) {
            return Torch.scoped(() -> {
                long b = x.size(0);
                long c = x.size(1);
                long n = x.size(2);
                Tensor attn = Torch.softmax(Torch.mul(c_q.forward(x).matmul(c_k.forward(x).transpose(-2, -1)),
                        normFact), -1);
                Tensor mixed = attn.matmul(c_v.forward(x)).transpose(1, 2).reshape(b, c, n);
                return mixed.add(x);
            });
        }
    }
}
