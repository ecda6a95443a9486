package dev.xpsr.metrics;

import dev.xpsr.nn.WeightLoader;
import dev.xpsr.nn.WeightSource;
import dev.xpsr.torch.Placement;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.List;

/**
 * MUSIQ (Ke et al. 2021), no-reference, higher is better, as pyiqa 0.1.10's {@code musiq} computes it
 * ({@code MUSIQ(pretrained='koniq10k')} in eval mode on an RGB image in [0, 1]):
 * <ol>
 *   <li>x ↦ 2x − 1 ("normalize inputs to [-1, 1] as the official code");</li>
 *   <li>{@link MusiqPatches}: 32×32 patches of the image resized to longer sides 224 and 384 (padded to 49 and
 *       144 tokens) and of the image itself (all its patches), with hashed 10×10 spatial positions and scale ids
 *       0, 1, 2;</li>
 *   <li>{@link MusiqNetwork}: per-patch ResNet stem, 14-layer transformer over [cls] + tokens, linear head.</li>
 * </ol>
 * The KonIQ-10k checkpoint has one output, the predicted MOS on KonIQ's 0–100 scale. Images of one size are
 * batched; every step is per image, so a batch gives the per-image scores.
 */
public final class Musiq extends NetworkMetric {
    private static final int BATCH = 4;

    /**
     * Architecture and preprocessing of one MUSIQ network; {@link #koniq()} is the published KonIQ-10k model.
     *
     * @param patchSize    patch side P (and stride); the stem reduces a patch to (P/4)² positions
     * @param rootChannels channels r of the stem (the bottleneck outputs 4r; a multiple of 32 for GroupNorm)
     * @param hiddenSize   transformer width
     * @param mlpDim       MLP width
     * @param heads        attention heads
     * @param depth        encoder blocks
     * @param gridSize     G of the hashed positions (G² position embeddings)
     * @param longerSides  longer-side lengths of the resized scales (native resolution is the last scale)
     * @param numClasses   head outputs: 1 gives the score directly, more give Σ_k k·softmax_k
     */
    public record Config(int patchSize, int rootChannels, int hiddenSize, int mlpDim, int heads, int depth,
            int gridSize, int[] longerSides, int numClasses) {
        public Config {
            if (patchSize % 4 != 0 || rootChannels % 32 != 0) {
                throw new IllegalArgumentException("MUSIQ: patch size must be a multiple of 4 and root channels of 32;"
                        + " got " + patchSize + ", " + rootChannels);
            }
            longerSides = longerSides.clone();
        }

        /** pyiqa's defaults with {@code pretrained='koniq10k'} ({@code musiq_koniq_ckpt-e95806b9.pth}). */
        public static Config koniq() {
            return new Config(32, 64, 384, 1152, 6, 14, 10, new int[] {224, 384}, 1);
        }

        /** The longer-side lengths (a copy). */
        @Override
        public int[] longerSides() {
            return longerSides.clone();
        }

        /** Scales: the resized ones plus the native one. */
        public int numScales() {
            return longerSides.length + 1;
        }
    }

    private final MusiqNetwork network;
    private final MusiqPatches patches;
    private final String source;

    private Musiq(MusiqNetwork network, Placement placement, String source) {
        super("musiq", HIGHER_IS_BETTER, NO_REFERENCE, BATCH, placement);
        this.network = network;
        this.patches = new MusiqPatches(network.config.patchSize(), network.config.gridSize(),
                network.config.longerSides());
        this.source = source;
    }

    /**
     * Builds MUSIQ with {@code config} from a state dict with pyiqa's key names ({@code module.} prefixes of
     * DataParallel checkpoints are dropped, as pyiqa's {@code clean_state_dict} does). Loading is strict: every
     * missing, unexpected or wrongly shaped key is reported by name.
     */
    public static Musiq load(Config config, WeightSource weights, Placement placement) {
        WeightSource renamed = WeightViews.merged(List.of(weights), WeightViews::withoutDataParallelPrefix);
        MusiqNetwork network = new MusiqNetwork(config);
        WeightLoader.load(network, renamed);
        network.to(placement);
        return new Musiq(network, placement, weights.describe());
    }

    @Override
    public String description() {
        return "MUSIQ (KonIQ-10k), as pyiqa 0.1.10 musiq; weights " + source;
    }

    @Override
    Tensor batchScores(Tensor images, Tensor references) {
        return forward(images);
    }

    /** Scores (N) of a batch (N, 3, H, W) of RGB images in [0, 1], placed like the network. */
    public Tensor forward(Tensor images) {
        MusiqPatches.Result r = patches.extract(Torch.mul(Torch.add(images, -0.5), 2));
        return network.forward(r.patches(), r.layout());
    }
}
