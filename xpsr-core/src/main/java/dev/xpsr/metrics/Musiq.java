package dev.xpsr.metrics;

import dev.xpsr.io.JsonConfig;
import dev.xpsr.io.ModelConfigException;
import dev.xpsr.nn.WeightLoader;
import dev.xpsr.nn.WeightSource;
import dev.xpsr.torch.Placement;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;

/**
 * MUSIQ (Ke et al. 2021), no-reference, higher is better, as pyiqa 0.1.10's {@code MUSIQ} computes it in eval mode
 * on an RGB image in [0, 1]:
 * <ol>
 *   <li>x ↦ 2x − 1 ("normalize inputs to [-1, 1] as the official code");</li>
 *   <li>{@link MusiqPatches}: P×P patches of the image resized to each longer-side length (each scale padded to
 *       ⌈L/P⌉² tokens) and of the image itself, with hashed G×G spatial positions and scale ids;</li>
 *   <li>{@link MusiqNetwork}: per-patch ResNet stem, transformer over [cls] + tokens, head; a head of several
 *       classes is a distribution whose mean Σ k·p_k is the score.</li>
 * </ol>
 * {@link Config#koniq()} is the published KonIQ-10k model (one output: the MOS on KonIQ's 0–100 scale); any other
 * configuration comes from pyiqa's constructor arguments ({@link Config#fromPyiqaArguments}). Images of one size are
 * batched; every step is per image, so a batch gives the per-image scores.
 */
public final class Musiq extends NetworkMetric {
    private static final int BATCH = 4;

    /**
     * Architecture and preprocessing of one MUSIQ network, named as pyiqa's {@code MUSIQ} arguments.
     *
     * @param patchSize                 patch side P (and stride); the stem reduces a patch to (P/4)² positions
     * @param rootChannels              channels r of the stem (pyiqa fixes 64; the bottleneck outputs 4r; a
     *                                  multiple of 32 for its GroupNorms)
     * @param hiddenSize                transformer width
     * @param mlpDim                    MLP width
     * @param numHeads                  attention heads
     * @param numLayers                 encoder blocks
     * @param spatialPosGridSize        G of the hashed positions (G² position embeddings)
     * @param numScales                 rows of the scale embedding (at least the scale ids used when
     *                                  {@code useScaleEmb})
     * @param useScaleEmb               whether the scale embedding is added (the table exists either way)
     * @param longerSideLengths         longer-side lengths of the resized scales, in the caller's order (the
     *                                  patches use them sorted, as pyiqa does)
     * @param maxSeqLenFromOriginalRes  the image at its own resolution as the last scale: empty = not used,
     *                                  negative = all its patches, else padded or cut to that many tokens
     * @param numClass                  head outputs: 1 gives the score directly, more give Σ_k k·softmax_k
     */
    public record Config(int patchSize, int rootChannels, int hiddenSize, int mlpDim, int numHeads, int numLayers,
            int spatialPosGridSize, int numScales, boolean useScaleEmb, int[] longerSideLengths,
            OptionalInt maxSeqLenFromOriginalRes, int numClass) {
        /** The stem width pyiqa's {@code MUSIQ} hard-codes ({@code resnet_token_dim}). */
        public static final int PYIQA_ROOT_CHANNELS = 64;
        private static final Set<String> PYIQA_ARGUMENTS = Set.of("patch_size", "num_class", "hidden_size",
                "mlp_dim", "attention_dropout_rate", "dropout_rate", "num_heads", "num_layers", "num_scales",
                "spatial_pos_grid_size", "use_scale_emb", "use_sinusoid_pos_emb", "pretrained",
                "pretrained_model_path", "longer_side_lengths", "max_seq_len_from_original_res");

        public Config {
            if (patchSize % 4 != 0 || rootChannels % 32 != 0) {
                throw new IllegalArgumentException("MUSIQ: patch size must be a multiple of 4 and root channels of 32;"
                        + " got " + patchSize + ", " + rootChannels);
            }
            if (hiddenSize % numHeads != 0) {
                throw new IllegalArgumentException("MUSIQ: hidden size " + hiddenSize + " is not divisible by "
                        + numHeads + " heads");
            }
            longerSideLengths = longerSideLengths.clone();
            int scaleIds = longerSideLengths.length + (maxSeqLenFromOriginalRes.isPresent() ? 1 : 0);
            if (useScaleEmb && numScales < scaleIds) {
                throw new IllegalArgumentException("MUSIQ: num_scales " + numScales + " is too small for scale ids 0.."
                        + (scaleIds - 1) + " (" + longerSideLengths.length + " longer sides"
                        + (maxSeqLenFromOriginalRes.isPresent() ? " + the original resolution)" : ")"));
            }
            if (numClass < 1) {
                throw new IllegalArgumentException("MUSIQ: num_class must be at least 1; got " + numClass);
            }
        }

        /** pyiqa 0.1.10's {@code musiq} ({@code pretrained='koniq10k'}, {@code musiq_koniq_ckpt-e95806b9.pth}). */
        public static Config koniq() {
            return new Config(32, PYIQA_ROOT_CHANNELS, 384, 1152, 6, 14, 10, 3, true, new int[] {224, 384},
                    OptionalInt.of(-1), 1);
        }

        /**
         * The network pyiqa 0.1.10 builds from {@code MUSIQ(**args)}: absent arguments take the constructor's
         * defaults, and {@code pretrained=True} without a model path selects the AVA checkpoint and with it 10
         * classes, as the constructor does. Dropout rates do nothing in eval mode and pyiqa ignores
         * {@code use_sinusoid_pos_emb}; weights are loaded separately, so {@code pretrained_model_path} only matters
         * for that rule.
         *
         * @throws ModelConfigException for an argument MUSIQ's constructor does not take, or a value of the wrong type
         */
        public static Config fromPyiqaArguments(JsonConfig args) {
            args.node().fieldNames().forEachRemaining(key -> {
                if (!PYIQA_ARGUMENTS.contains(key)) {
                    throw new ModelConfigException(args.source() + ": '" + key + "' is not an argument of pyiqa "
                            + "0.1.10's MUSIQ; it takes " + PYIQA_ARGUMENTS.stream().sorted().toList());
                }
            });
            int numClass = args.integer("num_class", 1);
            boolean avaDefault = args.node().path("pretrained").isBoolean() && args.node().get("pretrained")
                    .booleanValue() && !args.has("pretrained_model_path");
            return new Config(args.integer("patch_size", 32), PYIQA_ROOT_CHANNELS, args.integer("hidden_size", 384),
                    args.integer("mlp_dim", 1152), args.integer("num_heads", 6), args.integer("num_layers", 14),
                    args.integer("spatial_pos_grid_size", 10), args.integer("num_scales", 3),
                    args.bool("use_scale_emb", true),
                    args.node().has("longer_side_lengths") ? args.integers("longer_side_lengths") : new int[] {224, 384},
                    originalResolution(args), avaDefault ? 10 : numClass);
        }

        /** {@code max_seq_len_from_original_res}: absent = the default −1, JSON null = Python's None. */
        private static OptionalInt originalResolution(JsonConfig args) {
            String key = "max_seq_len_from_original_res";
            if (!args.node().has(key)) {
                return OptionalInt.of(-1);
            }
            return args.node().get(key).isNull() ? OptionalInt.empty() : OptionalInt.of(args.integer(key));
        }

        /** The same backbone with a head of {@code classes} outputs (pyiqa's KonIQ and AVA forms). */
        public Config withNumClass(int classes) {
            return new Config(patchSize, rootChannels, hiddenSize, mlpDim, numHeads, numLayers, spatialPosGridSize,
                    numScales, useScaleEmb, longerSideLengths, maxSeqLenFromOriginalRes, classes);
        }

        /** The longer-side lengths as given (a copy). */
        @Override
        public int[] longerSideLengths() {
            return longerSideLengths.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Config c && patchSize == c.patchSize && rootChannels == c.rootChannels
                    && hiddenSize == c.hiddenSize && mlpDim == c.mlpDim && numHeads == c.numHeads
                    && numLayers == c.numLayers && spatialPosGridSize == c.spatialPosGridSize
                    && numScales == c.numScales && useScaleEmb == c.useScaleEmb
                    && Arrays.equals(longerSideLengths, c.longerSideLengths)
                    && maxSeqLenFromOriginalRes.equals(c.maxSeqLenFromOriginalRes) && numClass == c.numClass;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(longerSideLengths) * 31 + Objects.hash(patchSize, rootChannels,
                    hiddenSize, mlpDim, numHeads, numLayers, spatialPosGridSize, numScales, useScaleEmb,
                    maxSeqLenFromOriginalRes, numClass);
        }

        @Override
        public String toString() {
            return "patch " + patchSize + ", width " + hiddenSize + ", " + numLayers + " layers of " + numHeads
                    + " heads, longer sides " + Arrays.toString(longerSideLengths) + (maxSeqLenFromOriginalRes
                    .isPresent() ? " + original resolution" : "") + ", " + numClass + "-output head";
        }
    }

    /** Everything one forward pass produced: the tokens fed in and the network's outputs. */
    record Analysis(MusiqPatches.Result patches, MusiqNetwork.Outputs outputs) {
    }

    private final MusiqNetwork network;
    private final MusiqPatches patches;
    private final String source;

    private Musiq(MusiqNetwork network, Placement placement, String source) {
        super("musiq", HIGHER_IS_BETTER, NO_REFERENCE, BATCH, placement);
        this.network = network;
        this.patches = new MusiqPatches(network.config.patchSize(), network.config.spatialPosGridSize(),
                network.config.longerSideLengths(), network.config.maxSeqLenFromOriginalRes());
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
        return "MUSIQ (" + network.config + "), as pyiqa 0.1.10 musiq; weights " + source;
    }

    @Override
    Tensor batchScores(Tensor images, Tensor references) {
        return forward(images);
    }

    /** Scores (N) of a batch (N, 3, H, W) of RGB images in [0, 1], placed like the network. */
    public Tensor forward(Tensor images) {
        return analyse(images).outputs().mos();
    }

    /** The tokens and every output of a batch (N, 3, H, W) of RGB images in [0, 1], placed like the network. */
    Analysis analyse(Tensor images) {
        MusiqPatches.Result r = patches.extract(Torch.mul(Torch.add(images, -0.5), 2));
        return new Analysis(r, network.run(r.patches(), r.layout()));
    }
}
