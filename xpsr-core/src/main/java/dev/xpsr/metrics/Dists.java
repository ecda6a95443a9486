package dev.xpsr.metrics;

import dev.xpsr.metrics.TorchvisionFeatures.Backbone;
import dev.xpsr.nn.Module;
import dev.xpsr.nn.WeightLoader;
import dev.xpsr.nn.WeightSource;
import dev.xpsr.torch.Placement;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * DISTS (Ding et al. 2020), as dingkeyan93/DISTS {@code DISTS_pt.py} and pyiqa 0.1.10's {@code dists} compute it
 * (lower is better). With x, y in [0, 1], features f^0 = the image itself and f^1..f^5 the outputs of five VGG16
 * stages on (image − mean)/std (stage 1 = {@code features[0:4]}, stage k &gt; 1 = L2 pooling then the next
 * convolutions; L2 pooling replaces VGG's max pools):
 * <pre>
 *   S1 = (2 μx μy + c1) / (μx² + μy² + c1),   S2 = (2 σxy + c2) / (σx² + σy² + c2),   c1 = c2 = 1e-6
 *   DISTS = 1 − Σ_k Σ_channels (α S1 + β S2) / (Σα + Σβ)       (μ, σ², σxy: per-channel spatial statistics)
 * </pre>
 * α, β hold one weight per channel of all six feature sets (3 + the stage widths). Keys: {@code stageK.N.weight/bias}
 * (N = torchvision's {@code features} index; torchvision's own {@code features.N.*} are renamed), the L2 pooling
 * filters {@code stageK.N.filter}, {@code alpha}, {@code beta}, {@code mean}, {@code std}; constant buffers missing
 * from a file take the reference's values.
 */
public final class Dists extends NetworkMetric {
    private static final int BATCH = 4;
    private static final int STAGES = 5;
    public static final int[][] STAGE_RANGES = {{0, 4}, {4, 9}, {9, 16}, {16, 23}, {23, 30}};
    private static final double C1 = 1e-6;
    private static final double C2 = 1e-6;
    private static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] STD = {0.229f, 0.224f, 0.225f};
    private static final Pattern OWN = Pattern.compile("stage\\d\\.\\d+\\.(weight|bias|filter)|alpha|beta|mean|std");

    private final Network network;
    private final String source;

    private Dists(Network network, Placement placement, String source) {
        super("dists", LOWER_IS_BETTER, FULL_REFERENCE, BATCH, placement);
        this.network = network;
        this.source = source;
    }

    /**
     * Builds DISTS from weight files: any mix of torchvision's VGG16 ({@code features.N.*}), the DISTS weights
     * ({@code alpha}, {@code beta}, possibly the whole network) and full DISTS state dicts.
     */
    public static Dists load(List<WeightSource> files, Placement placement) {
        WeightSource merged = WeightViews.merged(files, key -> TorchvisionFeatures.sliceKey(
                WeightViews.withoutDataParallelPrefix(key), STAGE_RANGES, "stage", OWN));
        Network network = new Network(merged);
        Map<String, Tensor> constants = new HashMap<>();
        constants.put("mean", Torch.fromFloats(MEAN.clone(), 1, 3, 1, 1));
        constants.put("std", Torch.fromFloats(STD.clone(), 1, 3, 1, 1));
        network.stateDict().forEach((k, v) -> {
            if (k.endsWith(".filter")) {
                constants.put(k, TorchvisionFeatures.L2Pooling.defaultFilter(v.size(0)));
            }
        });
        WeightLoader.load(network, WeightViews.withDefaults(merged, constants));
        network.to(placement);
        return new Dists(network, placement, merged.describe());
    }

    @Override
    public String description() {
        return "DISTS (VGG16), as DISTS_pytorch / pyiqa 0.1.10; weights " + source;
    }

    @Override
    Tensor batchScores(Tensor images, Tensor references) {
        return forward(images, references);
    }

    /** DISTS of each pair of two (N, 3, H, W) batches in [0, 1], (N); both run through VGG together. */
    public Tensor forward(Tensor x, Tensor y) {
        long n = x.size(0);
        Tensor both = Torch.cat(0, x, y);
        Tensor[] feats = new Tensor[STAGES + 1];
        feats[0] = both;
        Tensor h = both.sub(network.mean).div(network.std);
        for (int k = 0; k < STAGES; k++) {
            h = network.stages[k].forward(h);
            feats[k + 1] = h;
        }
        Tensor wSum = network.alpha.sum().add(network.beta.sum());
        Tensor alpha = network.alpha.div(wSum);
        Tensor beta = network.beta.div(wSum);
        Tensor dist1 = null;
        Tensor dist2 = null;
        long offset = 0;
        for (Tensor f : feats) {
            long c = f.size(1);
            Tensor a = alpha.narrow(1, offset, c);
            Tensor b = beta.narrow(1, offset, c);
            Tensor t1 = Torch.scoped(() -> structure(f.narrow(0, 0, n), f.narrow(0, n, n), a));
            Tensor t2 = Torch.scoped(() -> texture(f.narrow(0, 0, n), f.narrow(0, n, n), b));
            dist1 = dist1 == null ? t1 : dist1.add(t1);
            dist2 = dist2 == null ? t2 : dist2.add(t2);
            offset += c;
        }
        return Torch.rsub(1, dist1.add(dist2).reshape(n));
    }

    /** Σ_c α S1 of one feature set (luminance-like term on the channel means), (N, 1). */
    private static Tensor structure(Tensor f0, Tensor f1, Tensor alpha) {
        Tensor xMean = spatialMean(f0);
        Tensor yMean = spatialMean(f1);
        Tensor s1 = Torch.add(Torch.mul(xMean, 2).mul(yMean), C1)
                .div(Torch.add(xMean.mul(xMean).add(yMean.mul(yMean)), C1));
        return alpha.mul(s1).sum(1).reshape(-1, 1);
    }

    /** Σ_c β S2 of one feature set (variances and covariance around the channel means), (N, 1). */
    private static Tensor texture(Tensor f0, Tensor f1, Tensor beta) {
        Tensor xMean = spatialMean(f0);
        Tensor yMean = spatialMean(f1);
        Tensor dx = f0.sub(xMean);
        Tensor dy = f1.sub(yMean);
        Tensor xVar = spatialMean(dx.mul(dx));
        Tensor yVar = spatialMean(dy.mul(dy));
        Tensor xyCov = spatialMean(f0.mul(f1)).sub(xMean.mul(yMean));
        Tensor s2 = Torch.add(Torch.mul(xyCov, 2), C2).div(Torch.add(xVar.add(yVar), C2));
        return beta.mul(s2).sum(1).reshape(-1, 1);
    }

    /** {@code x.mean([2, 3], keepdim=True)}. */
    private static Tensor spatialMean(Tensor x) {
        return x.mean(2, 3).unsqueeze(2).unsqueeze(3);
    }

    /** The module tree whose state-dict keys are DISTS's. */
    private static final class Network extends Module {
        final TorchvisionFeatures.Slice[] stages = new TorchvisionFeatures.Slice[STAGES];
        final Tensor alpha;
        final Tensor beta;
        final Tensor mean;
        final Tensor std;

        Network(WeightSource weights) {
            long channels = 3;
            long total = 3;
            for (int k = 0; k < STAGES; k++) {
                stages[k] = child("stage" + (k + 1), new TorchvisionFeatures.Slice(Backbone.VGG16,
                        STAGE_RANGES[k][0], STAGE_RANGES[k][1], weights, "stage" + (k + 1) + ".", true, channels));
                channels = stages[k].outChannels();
                total += channels;
            }
            alpha = parameter("alpha", 1, total, 1, 1);
            beta = parameter("beta", 1, total, 1, 1);
            mean = buffer("mean", Torch.zeros(1, 3, 1, 1));
            std = buffer("std", Torch.ones(1, 3, 1, 1));
        }
    }
}
