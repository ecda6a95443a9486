package dev.xpsr.metrics;

import dev.xpsr.nn.WeightLoader;
import dev.xpsr.nn.WeightSource;
import dev.xpsr.torch.Placement;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * MANIQA (Yang et al. 2022), no-reference, higher is better, as pyiqa 0.1.10's {@code maniqa} (KonIQ-10k
 * checkpoint, Swin residual scale 0.8) and {@code maniqa-pipal} (PIPAL checkpoint, scale 0.13) compute it in eval
 * mode on an RGB image in [0, 1]:
 * <ol>
 *   <li>(x − 0.5) / 0.5;</li>
 *   <li>{@link ManiqaCrops}: 20 crops of 224×224 (after a bilinear enlargement of small images), at positions
 *       drawn by numpy's generator from a seed (default 123, the seed pyiqa sets when a metric is created);</li>
 *   <li>{@link ManiqaNetwork} on every crop; the score is Σ w·s / (Σ w + 1e-8) over all positions of all 20 crops.
 *       </li>
 * </ol>
 * Crops run through the network a few at a time; their per-position s and w are gathered and reduced once, as the
 * reference reduces them. Each image gets its own crops, so a batch gives the per-image scores. (pyiqa versions after
 * 0.1.10 take evenly spaced crops at test time instead; this class follows 0.1.10, which XPSR pins.)
 */
public final class Maniqa extends NetworkMetric {
    /** The seed pyiqa's {@code InferenceModel} gives numpy when a metric is created. */
    public static final long PYIQA_SEED = 123;
    private static final int CROPS_PER_PASS = 5;
    /** {@link #forward} takes one image: its crops, not the images, are what run through the network together. */
    private static final int IMAGES_PER_PASS = 1;

    /**
     * Architecture of one MANIQA network and its test-time cropping; {@link #koniq()} and {@link #pipal()} are the
     * published models.
     *
     * @param cropSize   crop side S (the ViT's input size)
     * @param patchSize  ViT patch side (S/patch positions per side)
     * @param embedDim   ViT width D (stage 1 works at D, stage 2 at D/2)
     * @param vitDepth   ViT blocks (blocks 6–9 are read, so at least 10)
     * @param vitHeads   ViT attention heads
     * @param vitMlpDim  ViT MLP width
     * @param vitClasses ViT classifier outputs (present in the checkpoints, unused)
     * @param numTab     TA blocks per stage
     * @param swinDepths Swin blocks per layer
     * @param swinHeads  Swin heads per layer
     * @param window     Swin window side
     * @param swinMlpDim Swin MLP width
     * @param swinScale  residual scale of each Swin layer (0.13 for PIPAL, 0.8 for KonIQ)
     * @param testCrops  crops per image
     */
    public record Config(int cropSize, int patchSize, int embedDim, int vitDepth, int vitHeads, int vitMlpDim,
            int vitClasses, int numTab, int[] swinDepths, int[] swinHeads, int window, int swinMlpDim,
            double swinScale, int testCrops) {
        public Config {
            if (vitDepth <= ManiqaNetwork.lastFeatureBlock()) {
                throw new IllegalArgumentException("MANIQA reads ViT blocks 6-9; a depth of " + vitDepth
                        + " is too small");
            }
            if (swinDepths.length != swinHeads.length || cropSize % patchSize != 0 || embedDim % 2 != 0) {
                throw new IllegalArgumentException("MANIQA: inconsistent config " + cropSize + "/" + patchSize
                        + ", width " + embedDim + ", " + swinDepths.length + " Swin layers with "
                        + swinHeads.length + " head counts");
            }
            swinDepths = swinDepths.clone();
            swinHeads = swinHeads.clone();
        }

        /** Swin blocks per layer (a copy). */
        @Override
        public int[] swinDepths() {
            return swinDepths.clone();
        }

        /** Swin heads per layer (a copy). */
        @Override
        public int[] swinHeads() {
            return swinHeads.clone();
        }

        /** pyiqa's {@code maniqa-pipal}: MANIQA defaults, scale 0.13 ({@code MANIQA_PIPAL-ae6d356b.pth}). */
        public static Config pipal() {
            return new Config(224, 8, 768, 12, 12, 3072, 1000, 2, new int[] {2, 2}, new int[] {4, 4}, 4, 768,
                    0.13, 20);
        }

        /** pyiqa 0.1.10's {@code maniqa}: the same network, scale 0.8 ({@code ckpt_koniq10k.pt}). */
        public static Config koniq() {
            return new Config(224, 8, 768, 12, 12, 3072, 1000, 2, new int[] {2, 2}, new int[] {4, 4}, 4, 768,
                    0.8, 20);
        }
    }

    private final ManiqaNetwork network;
    private final ManiqaCrops crops;
    private final String source;

    private Maniqa(String name, ManiqaNetwork network, ManiqaCrops crops, Placement placement, String source) {
        super(name, HIGHER_IS_BETTER, NO_REFERENCE, IMAGES_PER_PASS, placement);
        this.network = network;
        this.crops = crops;
        this.source = source;
    }

    /**
     * Builds MANIQA from a state dict with pyiqa's key names ({@code module.} prefixes dropped; a checkpoint that
     * wraps its state dict under {@code params} is read from there). Loading is strict: every missing, unexpected
     * or wrongly shaped key is reported by name.
     *
     * @param name metric name for reports ({@code maniqa}, {@code maniqa-pipal})
     * @param seed numpy seed of the crop positions ({@link #PYIQA_SEED} for pyiqa's)
     */
    public static Maniqa load(String name, Config config, WeightSource weights, long seed, Placement placement) {
        WeightSource renamed = WeightViews.merged(List.of(weights), key -> {
            String k = key.startsWith("params.") ? key.substring("params.".length()) : key;
            return WeightViews.withoutDataParallelPrefix(k);
        });
        ManiqaNetwork network = new ManiqaNetwork(config);
        WeightLoader.load(network, renamed);
        network.to(placement);
        return new Maniqa(name, network, new ManiqaCrops(config.cropSize(), config.testCrops(), seed), placement,
                weights.describe());
    }

    @Override
    public String description() {
        return "MANIQA, as pyiqa 0.1.10 " + name() + " (" + crops.count() + " crops, numpy seed " + crops.seed()
                + " for each image); weights " + source;
    }

    @Override
    Tensor batchScores(Tensor images, Tensor references) {
        return forward(images);
    }

    /** The network (package-private, for tests that run crops through it directly). */
    ManiqaNetwork network() {
        return network;
    }

    /** The score (0-d) of one image (1, 3, H, W) in [0, 1], placed like the network. */
    public Tensor forward(Tensor image) {
        Tensor x = Torch.div(Torch.add(image, -0.5), 0.5);
        ManiqaCrops.Frame frame = crops.frame((int) x.size(2), (int) x.size(3));
        if (frame.enlarged()) {
            x = Torch.upsampleBilinear(x, frame.height(), frame.width(), frame.factor(), frame.factor());
        }
        List<ManiqaCrops.Crop> list = crops.crops(frame);
        List<Tensor> scores = new ArrayList<>();
        List<Tensor> weights = new ArrayList<>();
        for (int from = 0; from < list.size(); from += CROPS_PER_PASS) {
            Tensor batch = cropBatch(x, list.subList(from, Math.min(list.size(), from + CROPS_PER_PASS)));
            Tensor[] sw = network.scoreAndWeight(batch);
            scores.add(sw[0].reshape(-1));
            weights.add(sw[1].reshape(-1));
        }
        Tensor s = Torch.cat(0, scores.toArray(new Tensor[0]));
        Tensor w = Torch.cat(0, weights.toArray(new Tensor[0]));
        return w.mul(s).sum().div(Torch.add(w.sum(), 1e-8));
    }

    /** The crops of (1, 3, H, W) at the given corners, stacked: (k, 3, S, S). */
    private Tensor cropBatch(Tensor x, List<ManiqaCrops.Crop> corners) {
        Tensor[] parts = new Tensor[corners.size()];
        for (int i = 0; i < parts.length; i++) {
            ManiqaCrops.Crop c = corners.get(i);
            parts[i] = x.narrow(2, c.top(), crops.size()).narrow(3, c.left(), crops.size());
        }
        return Torch.cat(0, parts);
    }
}
