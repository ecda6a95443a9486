package dev.xpsr.metrics;

import dev.xpsr.metrics.TorchvisionFeatures.Backbone;
import dev.xpsr.nn.Module;
import dev.xpsr.nn.WeightLoader;
import dev.xpsr.nn.WeightSource;
import dev.xpsr.torch.Placement;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * LPIPS v0.1 (Zhang et al. 2018), as {@code lpips.LPIPS(net='alex'|'vgg', version='0.1')} of
 * richzhang/PerceptualSimilarity and pyiqa 0.1.10's {@code lpips} / {@code lpips-vgg} compute it (lower is better):
 * <pre>
 *   x' = ((2x − 1) − shift) / scale                  (inputs in [0, 1]; shift (−.030, −.088, −.188), scale (.458, .448, .450))
 *   f_k = slice_k(…slice_1(x'))                     (5 slices of torchvision's AlexNet / VGG16 features)
 *   f̂_k = f_k / (√Σ_c f_k² + 1e-10)                  (unit length along channels)
 *   LPIPS = Σ_k mean_hw( w_k · (f̂0_k − f̂1_k)² )       (w_k: 1×1 convolution without bias, "linK.model.1")
 * </pre>
 * Slices: AlexNet {@code features[0:2], [2:5], [5:8], [8:10], [10:12]}; VGG16 {@code [0:4], [4:9], [9:16],
 * [16:23], [23:30]}. Channel counts come from the weights. The weights are the torchvision backbone
 * ({@code features.N.*}, renamed to {@code net.sliceK.N.*}) and the LPIPS head ({@code linK.model.1.weight}),
 * from one file or several.
 */
public final class Lpips extends NetworkMetric {
    private static final int BATCH = 4;
    private static final int SLICES = 5;
    public static final int[][] ALEX_SLICES = {{0, 2}, {2, 5}, {5, 8}, {8, 10}, {10, 12}};
    public static final int[][] VGG_SLICES = {{0, 4}, {4, 9}, {9, 16}, {16, 23}, {23, 30}};
    private static final float[] SHIFT = {-.030f, -.088f, -.188f};
    private static final float[] SCALE = {.458f, .448f, .450f};
    private static final Pattern OWN = Pattern.compile(
            "net\\.slice\\d+\\.\\d+\\.(weight|bias)|lin\\d+\\.model\\.1\\.weight|scaling_layer\\.(shift|scale)");

    private final Backbone backbone;
    private final Network network;
    private final String source;

    private Lpips(Backbone backbone, Network network, Placement placement, String source) {
        super(backbone == Backbone.ALEXNET ? "lpips" : "lpips-vgg", LOWER_IS_BETTER, FULL_REFERENCE, BATCH,
                placement);
        this.backbone = backbone;
        this.network = network;
        this.source = source;
    }

    /**
     * Builds LPIPS on {@code backbone} from weight files: any mix of a torchvision backbone state dict
     * ({@code features.N.*}), an LPIPS head ({@code linK.model.1.weight}) and full LPIPS state dicts
     * ({@code net.sliceK.N.*}); other keys (a classifier, pyiqa's duplicate {@code lins.K.*}) are ignored.
     */
    public static Lpips load(Backbone backbone, List<WeightSource> files, Placement placement) {
        int[][] slices = backbone == Backbone.ALEXNET ? ALEX_SLICES : VGG_SLICES;
        WeightSource merged = WeightViews.merged(files, key -> TorchvisionFeatures.sliceKey(
                WeightViews.withoutDataParallelPrefix(key), slices, "net.slice", OWN));
        Network network = new Network(backbone, slices, merged);
        Map<String, Tensor> constants = Map.of("scaling_layer.shift", Torch.fromFloats(SHIFT.clone(), 1, 3, 1, 1),
                "scaling_layer.scale", Torch.fromFloats(SCALE.clone(), 1, 3, 1, 1));
        WeightLoader.load(network, WeightViews.withDefaults(merged, constants));
        network.to(placement);
        return new Lpips(backbone, network, placement, merged.describe());
    }

    @Override
    public String description() {
        return "LPIPS v0.1 (" + (backbone == Backbone.ALEXNET ? "AlexNet" : "VGG16") + "), as lpips 0.1 / pyiqa "
                + "0.1.10; weights " + source;
    }

    @Override
    Tensor batchScores(Tensor images, Tensor references) {
        return forward(images, references).total();
    }

    /** LPIPS and its five per-layer terms, each (N). */
    public record Result(Tensor total, Tensor[] perLayer) {
    }

    /**
     * {@code LPIPS(...)(img0, img1, retPerLayer=True, normalize=True)} on two (N, 3, H, W) batches in [0, 1]
     * (placed like the network). Both batches run through the backbone together.
     */
    public Result forward(Tensor img0, Tensor img1) {
        long n = img0.size(0);
        Tensor both = Torch.cat(0, img0, img1);
        Tensor x = network.scaled(Torch.add(Torch.mul(both, 2), -1));
        Tensor[] perLayer = new Tensor[SLICES];
        Tensor total = null;
        Tensor h = x;
        for (int k = 0; k < SLICES; k++) {
            h = network.slices[k].forward(h);
            Tensor features = h;
            Tensor lin = network.lins[k];
            perLayer[k] = Torch.scoped(() -> layerTerm(features, n, lin));
            total = total == null ? perLayer[k] : total.add(perLayer[k]);
        }
        return new Result(total, perLayer);
    }

    /** mean_hw(lin · (f̂0 − f̂1)²) of one slice's features, the two batches stacked along dim 0; (N). */
    private static Tensor layerTerm(Tensor features, long n, Tensor lin) {
        Tensor unit = unitLength(features);
        Tensor diff = unit.narrow(0, 0, n).sub(unit.narrow(0, n, n));
        return Torch.conv2d(diff.mul(diff), lin, null, 1, 0).mean(2, 3).reshape(n);
    }

    /** {@code normalize_tensor}: x / (√Σ_c x² + 1e-10). */
    private static Tensor unitLength(Tensor x) {
        Tensor norm = x.mul(x).sum(1).unsqueeze(1).sqrt();
        return x.div(Torch.add(norm, 1e-10));
    }

    /** The module tree whose state-dict keys are LPIPS's: {@code net.sliceK.N.*}, {@code linK.model.1.weight}. */
    private static final class Network extends Module {
        final TorchvisionFeatures.Slice[] slices = new TorchvisionFeatures.Slice[SLICES];
        final Tensor[] lins = new Tensor[SLICES];
        private final Tensor shift;
        private final Tensor scale;

        Network(Backbone backbone, int[][] ranges, WeightSource weights) {
            Container net = child("net", new Container());
            long channels = 3;
            for (int k = 0; k < SLICES; k++) {
                slices[k] = net.add("slice" + (k + 1), new TorchvisionFeatures.Slice(backbone, ranges[k][0],
                        ranges[k][1], weights, "net.slice" + (k + 1) + ".", false, channels));
                channels = slices[k].outChannels();
                Container model = child("lin" + k, new Container()).add("model", new Container());
                lins[k] = model.add("1", new Container()).addParameter("weight", 1, channels, 1, 1);
            }
            Container scaling = child("scaling_layer", new Container());
            shift = scaling.addBuffer("shift", Torch.zeros(1, 3, 1, 1));
            scale = scaling.addBuffer("scale", Torch.ones(1, 3, 1, 1));
        }

        /** {@code ScalingLayer}: (x − shift) / scale. */
        Tensor scaled(Tensor x) {
            return x.sub(shift).div(scale);
        }
    }
}
