package dev.xpsr.metrics;

import dev.xpsr.io.JsonConfig;
import dev.xpsr.io.ModelConfigException;
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
 *   <li>{@link ManiqaCrops}: {@code test_sample} crops of 224×224 (after a bilinear enlargement of small images), at
 *       positions drawn by numpy's generator ({@link CropDraws} says how the stream runs from image to image);</li>
 *   <li>{@link ManiqaNetwork} on every crop; the score is Σ w·s / (Σ w + 1e-8) over all positions of all crops.
 *       </li>
 * </ol>
 * Crops run through the network a few at a time; their per-position s and w are gathered and reduced once, as the
 * reference reduces them. Each image gets its own crops, so a batch gives the per-image scores. (pyiqa versions after
 * 0.1.10 take evenly spaced crops at test time instead; this class follows 0.1.10, which XPSR pins.)
 */
public final class Maniqa extends NetworkMetric {
    /** The seed pyiqa's {@code InferenceModel} gives numpy when a metric is created. */
    public static final long PYIQA_SEED = 123;
    /** The crop side pyiqa 0.1.10's {@code MANIQA.forward} hard-codes (whatever {@code img_size} says). */
    public static final int PYIQA_CROP_SIZE = 224;
    private static final int CROPS_PER_PASS = 5;
    /** {@link #forward} takes one image: its crops, not the images, are what run through the network together. */
    private static final int IMAGES_PER_PASS = 1;

    /** How the numpy stream that places the crops runs from one scored image to the next. */
    public enum CropDraws {
        /**
         * Every image starts from a freshly seeded generator: its score is the one pyiqa gives it as the first image
         * of a new metric, whatever was scored before, in whatever order or batching.
         */
        FRESH_PER_IMAGE,
        /**
         * One generator, seeded when the metric is built, runs on across every image in scoring order, as pyiqa's
         * global numpy stream does within one metric object ({@code metric(x0)}, then {@code metric(x1)}, ...).
         */
        CONTINUED
    }

    /**
     * Architecture of one MANIQA network and its test-time cropping; {@link #koniq()} and {@link #pipal()} are the
     * published models, {@link #fromPyiqaArguments} reads any other.
     *
     * @param cropSize    crop side S = the ViT's {@code img_size} (pyiqa: always 224)
     * @param patchSize   ViT patch side; S/patch positions per side, which MANIQA's {@code img_size // patch_size}
     *                    must equal
     * @param embedDim    ViT width D = MANIQA's {@code embed_dim} (stage 1 works at D, stage 2 at D/2)
     * @param vitDepth    ViT blocks (blocks 6–9 are read, so at least 10)
     * @param vitHeads    ViT attention heads
     * @param vitMlpDim   ViT MLP width
     * @param vitClasses  ViT classifier outputs (in the checkpoints, unused; 0 = no classifier)
     * @param numTab      TA blocks per stage
     * @param swinDepths  Swin blocks per layer ({@code depths})
     * @param swinHeads   Swin heads per layer ({@code num_heads})
     * @param window      Swin window side ({@code window_size})
     * @param swinMlpDim  Swin MLP width ({@code dim_mlp})
     * @param swinScale   residual scale of each Swin layer ({@code scale}: 0.13 for PIPAL, 0.8 for KonIQ)
     * @param testCrops   crops per image ({@code test_sample})
     * @param numOutputs  outputs of {@code fc_score} / {@code fc_weight} per position ({@code num_outputs})
     */
    public record Config(int cropSize, int patchSize, int embedDim, int vitDepth, int vitHeads, int vitMlpDim,
            int vitClasses, int numTab, int[] swinDepths, int[] swinHeads, int window, int swinMlpDim,
            double swinScale, int testCrops, int numOutputs) {
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
            int resolution = cropSize / patchSize;
            if (resolution > window && resolution % window != 0) {
                throw new IllegalArgumentException("MANIQA: a " + resolution + "x" + resolution + " map does not split"
                        + " into Swin windows of " + window + " (the reference's window_partition fails too)");
            }
            if (testCrops < 1 || numOutputs < 1) {
                throw new IllegalArgumentException("MANIQA needs at least one crop and one output; got test_sample "
                        + testCrops + ", num_outputs " + numOutputs);
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

        /** Positions per side of a crop's feature map. */
        public int resolution() {
            return cropSize / patchSize;
        }

        /** pyiqa's {@code maniqa-pipal}: MANIQA defaults, scale 0.13 ({@code MANIQA_PIPAL-ae6d356b.pth}). */
        public static Config pipal() {
            return new Config(PYIQA_CROP_SIZE, 8, 768, 12, 12, 3072, 1000, 2, new int[] {2, 2}, new int[] {4, 4}, 4,
                    768, 0.13, 20, 1);
        }

        /** pyiqa 0.1.10's {@code maniqa}: the same network, scale 0.8 ({@code ckpt_koniq10k.pt}). */
        public static Config koniq() {
            return new Config(PYIQA_CROP_SIZE, 8, 768, 12, 12, 3072, 1000, 2, new int[] {2, 2}, new int[] {4, 4}, 4,
                    768, 0.8, 20, 1);
        }

        /**
         * The network pyiqa 0.1.10 builds from {@code MANIQA(**maniqa)} around the timm ViT that
         * {@code timm.create_model} resolved to {@code vit} ({@code VisionTransformer} arguments). Absent arguments
         * take the constructors' defaults; see {@link ManiqaConfigReader} for what is checked.
         *
         * @throws ModelConfigException naming the argument when the two do not fit together or ask for a variant
         *                              pyiqa 0.1.10 cannot run
         */
        public static Config fromPyiqaArguments(JsonConfig maniqa, JsonConfig vit) {
            return ManiqaConfigReader.read(maniqa, vit);
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
     * Everything the scoring of one image produced.
     *
     * @param crops          the crops' corners in draw order
     * @param perPatchScore  {@code fc_score} outputs (crops, positions · num_outputs), crop-major
     * @param perPatchWeight {@code fc_weight} outputs, the same shape
     * @param score          Σ w·s / (Σ w + 1e-8) over all of them (0-d)
     */
    record Analysis(List<ManiqaCrops.Crop> crops, Tensor perPatchScore, Tensor perPatchWeight, Tensor score) {
    }

    /**
     * Builds MANIQA from a state dict with pyiqa's key names ({@code module.} prefixes dropped; a checkpoint that
     * wraps its state dict under {@code params} is read from there). Loading is strict: every missing, unexpected
     * or wrongly shaped key is reported by name.
     *
     * @param name  metric name for reports ({@code maniqa}, {@code maniqa-pipal})
     * @param seed  numpy seed of the crop positions ({@link #PYIQA_SEED} for pyiqa's)
     * @param draws whether each image starts the stream afresh or continues it as pyiqa's metric object does
     */
    public static Maniqa load(String name, Config config, WeightSource weights, long seed, CropDraws draws,
            Placement placement) {
        WeightSource renamed = WeightViews.merged(List.of(weights), key -> {
            String k = key.startsWith("params.") ? key.substring("params.".length()) : key;
            return WeightViews.withoutDataParallelPrefix(k);
        });
        ManiqaNetwork network = new ManiqaNetwork(config);
        WeightLoader.load(network, renamed);
        network.to(placement);
        return new Maniqa(name, network, new ManiqaCrops(config.cropSize(), config.testCrops(), seed, draws),
                placement, weights.describe());
    }

    @Override
    public String description() {
        String stream = crops.draws() == CropDraws.FRESH_PER_IMAGE ? "for each image"
                : "once, continued across images";
        return "MANIQA, as pyiqa 0.1.10 " + name() + " (" + crops.count() + " crops, numpy seed " + crops.seed()
                + " " + stream + "); weights " + source;
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
        return analyse(image).score();
    }

    /** The crops, per-position outputs and score of one image (1, 3, H, W) in [0, 1], placed like the network. */
    Analysis analyse(Tensor image) {
        Tensor x = prepared(image);
        List<ManiqaCrops.Crop> list = crops.crops(crops.frame((int) image.size(2), (int) image.size(3)));
        List<Tensor> scores = new ArrayList<>();
        List<Tensor> weights = new ArrayList<>();
        for (int from = 0; from < list.size(); from += CROPS_PER_PASS) {
            Tensor batch = cropBatch(x, list.subList(from, Math.min(list.size(), from + CROPS_PER_PASS)));
            Tensor[] sw = network.scoreAndWeight(batch);
            scores.add(sw[0]);
            weights.add(sw[1]);
        }
        Tensor s = Torch.cat(0, scores.toArray(new Tensor[0]));
        Tensor w = Torch.cat(0, weights.toArray(new Tensor[0]));
        // one weighted mean over every position of every crop, as the reference reduces them
        return new Analysis(list, s, w, w.mul(s).sum().div(Torch.add(w.sum(), 1e-8)));
    }

    /** One image (1, 3, H, W) in [0, 1] normalised and, when its shorter side is small, enlarged: what crops cut. */
    Tensor prepared(Tensor image) {
        Tensor x = Torch.div(Torch.add(image, -0.5), 0.5);
        ManiqaCrops.Frame frame = crops.frame((int) x.size(2), (int) x.size(3));
        if (frame.enlarged()) {
            // the scale factor itself goes to the kernel: source coordinates use 1/factor, not in/out sizes
            x = Torch.upsampleBilinear(x, frame.height(), frame.width(), frame.factor(), frame.factor());
        }
        return x;
    }

    /** The crops of a {@link #prepared} image (1, 3, H, W) at the given corners, stacked: (k, 3, S, S). */
    Tensor cropBatch(Tensor x, List<ManiqaCrops.Crop> corners) {
        Tensor[] parts = new Tensor[corners.size()];
        for (int i = 0; i < parts.length; i++) {
            ManiqaCrops.Crop c = corners.get(i);
            parts[i] = x.narrow(2, c.top(), crops.size()).narrow(3, c.left(), crops.size());
        }
        return Torch.cat(0, parts);
    }
}
