package dev.xpsr.bench;

import dev.xpsr.metrics.ClipIqa;
import dev.xpsr.metrics.ClipResNet;
import dev.xpsr.metrics.ClipTextTower;
import dev.xpsr.metrics.Container;
import dev.xpsr.metrics.Dists;
import dev.xpsr.metrics.Fid;
import dev.xpsr.metrics.FidMode;
import dev.xpsr.metrics.InceptionV3;
import dev.xpsr.metrics.Lpips;
import dev.xpsr.metrics.Maniqa;
import dev.xpsr.metrics.ManiqaNetwork;
import dev.xpsr.metrics.Metric;
import dev.xpsr.metrics.Musiq;
import dev.xpsr.metrics.MusiqNetwork;
import dev.xpsr.metrics.TorchvisionFeatures.Backbone;
import dev.xpsr.nn.Module;
import dev.xpsr.nn.WeightSource;
import dev.xpsr.torch.Placement;
import org.bytedeco.javacpp.PointerScope;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The {@link MetricRegistry}'s network metrics built at full size with {@link RandomWeights}, for timing them
 * where their weight files are absent: each network has the architecture and size the real file gives (torchvision's
 * AlexNet and VGG16, pyiqa's MUSIQ and MANIQA configurations, CLIP RN50, the FID Inception-v3), so the compute and
 * memory are those of the real metric; the scores mean nothing. Each metric's description names its weights as
 * {@code random weights (seed N)}.
 */
public final class RandomWeightMetrics {
    /** The per-image metrics this class builds, by registry name. */
    public static final List<String> METRICS = List.of("lpips", "lpips-vgg", "dists", "musiq", "maniqa",
            "maniqa-pipal", "clipiqa");
    /** The distribution metric this class builds ({@link #fid}). */
    public static final String FID = "fid";

    private RandomWeightMetrics() {
    }

    /**
     * The full-size per-image metric called {@code name} (one of {@link #METRICS}) with random weights.
     *
     * @throws IllegalArgumentException for any other name
     */
    public static Metric metric(String name, Placement placement, long seed) {
        return switch (name) {
            case "lpips" -> lpips(Backbone.ALEXNET, Lpips.ALEX_SLICES, placement, seed);
            case "lpips-vgg" -> lpips(Backbone.VGG16, Lpips.VGG_SLICES, placement, seed);
            case "dists" -> dists(placement, seed);
            case "musiq" -> Musiq.load(Musiq.Config.koniq(), random(() -> new MusiqNetwork(Musiq.Config.koniq()),
                    seed), placement);
            case "maniqa" -> maniqa(name, Maniqa.Config.koniq(), placement, seed);
            case "maniqa-pipal" -> maniqa(name, Maniqa.Config.pipal(), placement, seed);
            case "clipiqa" -> clipIqa(placement, seed);
            default -> throw new IllegalArgumentException("no random-weight build of metric '" + name + "'; known: "
                    + String.join(", ", METRICS) + ", " + FID);
        };
    }

    /** FID (clean mode) with the full-size Inception-v3 and random weights. */
    public static Fid fid(Placement placement, long seed) {
        return Fid.load(List.of(random(() -> new InceptionV3(1), seed)), FidMode.CLEAN, placement);
    }

    private static Metric lpips(Backbone backbone, int[][] slices, Placement placement, long seed) {
        Map<String, long[]> shapes = backbone.torchvisionShapes();
        for (int k = 0; k < slices.length; k++) {
            shapes.put("lin" + k + ".model.1.weight", new long[] {1, backbone.torchvisionWidth(slices[k][1]), 1, 1});
        }
        return Lpips.load(backbone, List.of(RandomWeights.ofShapes(shapes, seed)), placement);
    }

    private static Metric dists(Placement placement, long seed) {
        Map<String, long[]> shapes = Backbone.VGG16.torchvisionShapes();
        long total = 3;
        for (int[] stage : Dists.STAGE_RANGES) {
            total += Backbone.VGG16.torchvisionWidth(stage[1]);
        }
        shapes.put("alpha", new long[] {1, total, 1, 1});
        shapes.put("beta", new long[] {1, total, 1, 1});
        return Dists.load(List.of(RandomWeights.ofShapes(shapes, seed)), placement);
    }

    private static Metric maniqa(String name, Maniqa.Config config, Placement placement, long seed) {
        return Maniqa.load(name, config, random(() -> new ManiqaNetwork(config), seed), Maniqa.PYIQA_SEED,
                Maniqa.CropDraws.FRESH_PER_IMAGE, placement);
    }

    /** CLIP RN50 as OpenAI's {@code RN50.pt} holds it: ResNet (3, 4, 6, 3), width 64, text tower 512 × 12. */
    private static Metric clipIqa(Placement placement, long seed) {
        Map<String, Supplier<Module>> templates = new LinkedHashMap<>();
        templates.put("visual.", () -> new ClipResNet(new int[] {3, 4, 6, 3}, 64, 1024, 7));
        templates.put("", () -> new ClipTextTower(49408, 77, 512, 8, 12, 1024));
        templates.put("logit_", () -> { // the top-level scalar "logit_scale"
            Container logit = new Container();
            logit.addParameter("scale");
            return logit;
        });
        return ClipIqa.load(List.of(random(templates, seed)), placement);
    }

    private static WeightSource random(Supplier<Module> template, long seed) {
        return random(Map.of("", template), seed);
    }

    /**
     * Random weights for networks built only to read their state dicts (keys under the map's prefixes); the
     * networks' own weights are freed at once.
     */
    private static WeightSource random(Map<String, Supplier<Module>> templates, long seed) {
        try (PointerScope scope = new PointerScope()) {
            Map<String, Module> built = new LinkedHashMap<>();
            templates.forEach((prefix, t) -> built.put(prefix, t.get()));
            WeightSource source = RandomWeights.ofModules(built, seed);
            built.values().forEach(Module::releaseWeights);
            return source;
        }
    }
}
