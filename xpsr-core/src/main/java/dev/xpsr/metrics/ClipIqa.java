package dev.xpsr.metrics;

import dev.xpsr.model.ClipTokenizer;
import dev.xpsr.nn.WeightLoader;
import dev.xpsr.nn.WeightSource;
import dev.xpsr.torch.Placement;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * CLIP-IQA ("Exploring CLIP for Assessing the Look and Feel of Images", AAAI 2023) as pyiqa 0.1.10's
 * {@code clipiqa} computes it (no-reference, higher is better, in [0, 1]), on an OpenAI CLIP ResNet (RN50 for the
 * real metric):
 * <pre>
 *   x' = (x − mean) / std                      (x in [0, 1], CLIP's mean/std; no resize, no crop)
 *   f  = visual(x') / |visual(x')|              ({@link ClipResNet}, no positional embedding)
 *   tₖ = text(promptₖ) / |text(promptₖ)|        ({@link ClipTextTower}, the 10 prompts of {@link #PROMPTS})
 *   lₖ = exp(logit_scale) · f·tₖ
 *   score = mean over the 5 pairs (good, bad) of softmax(l_good, l_bad)[good]
 * </pre>
 * pyiqa's prompt ensemble replaces the paper's single pair ("Good photo.", "Bad photo."). The prompts are
 * tokenised as {@code clip.tokenize}: start-of-text, the BPE ids, end-of-text, zeros up to the context length.
 * The prompts' features do not depend on the image, so they are computed once when the metric loads and the text
 * tower's weights are then released.
 *
 * <p>Weights: an OpenAI CLIP ResNet state dict such as {@code RN50.pt}'s (keys {@code visual.*},
 * {@code token_embedding.weight}, {@code transformer.resblocks.N.*}, {@code logit_scale}, ...); every size is
 * read from the tensor shapes ({@link ClipArchitecture}), as {@code clip.model.build_model} does.
 */
public final class ClipIqa extends NetworkMetric {
    /** pyiqa's prompt pairs, positive first. */
    public static final List<String> PROMPTS = List.of("Good image", "bad image", "Sharp image", "blurry image",
            "sharp edges", "blurry edges", "High resolution image", "low resolution image", "Noise-free image",
            "noisy image");
    /** OpenAI CLIP's image normalisation ({@code OPENAI_CLIP_MEAN}, {@code OPENAI_CLIP_STD}). */
    static final float[] MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    static final float[] STD = {0.26862954f, 0.26130258f, 0.27577711f};
    /**
     * Keys of the checkpoint that hold configuration, not weights ({@code build_model} deletes them); batch-norm
     * {@code num_batches_tracked} counters are dropped too.
     */
    private static final Set<String> CONFIG_KEYS = Set.of("input_resolution", "context_length", "vocab_size");
    private static final String TOKEN_EMBEDDING = "token_embedding.weight";
    private static final String LOGIT_SCALE = "logit_scale";
    private static final int BATCH = 4;

    private final ClipArchitecture architecture;
    private final ClipResNet visual;
    private final Tensor textFeatures;
    private final Tensor unitTextFeatures;
    private final Tensor logitScale;
    private final Tensor mean;
    private final Tensor std;
    private final String source;

    private ClipIqa(ClipArchitecture architecture, ClipResNet visual, Tensor textFeatures, Tensor logitScale,
                    Placement placement, String source) {
        super("clipiqa", HIGHER_IS_BETTER, NO_REFERENCE, BATCH, placement);
        this.architecture = architecture;
        this.visual = visual;
        this.textFeatures = textFeatures;
        this.unitTextFeatures = keep(unit(textFeatures));
        this.logitScale = logitScale;
        this.source = source;
        this.mean = keep(placement.place(Torch.fromFloats(MEAN.clone(), 1, 3, 1, 1)));
        this.std = keep(placement.place(Torch.fromFloats(STD.clone(), 1, 3, 1, 1)));
    }

    /**
     * Loads CLIP from a state dict in OpenAI's layout and encodes the prompts. {@code logit_scale} may be 0-d (as
     * CLIP holds it) or of shape [1]; the token embedding may be stored as its used rows only
     * ({@code token_embedding.weight_rows} and {@code token_embedding.weight_row_ids}), which then fill a zero table
     * of the tokenizer's vocabulary size.
     */
    public static ClipIqa load(List<WeightSource> files, Placement placement) {
        ClipTokenizer tokenizer = ClipTokenizer.bundled();
        WeightSource w = WeightViews.withScatteredRows(WeightViews.merged(files, ClipIqa::rename), TOKEN_EMBEDDING,
                tokenizer.vocabSize());
        ClipArchitecture arch = ClipArchitecture.of(w);
        ClipResNet visual = new ClipResNet(arch.visionLayers(), arch.visionWidth(), arch.embedDim(), arch.grid());
        WeightLoader.load(visual, w.withPrefix("visual."));
        visual.to(placement);
        Container scale = new Container();
        Tensor logitScale = scale.addParameter(LOGIT_SCALE, scalarShape(w));
        WeightLoader.load(scale, w.without("visual.", "token_embedding.", "positional_embedding", "transformer.",
                "ln_final.", "text_projection"));
        scale.to(placement);
        ClipTextTower text = new ClipTextTower(arch.vocabSize(), arch.contextLength(), arch.transformerWidth(),
                arch.transformerHeads(), arch.transformerLayers(), arch.embedDim());
        WeightLoader.load(text, w.without("visual.", LOGIT_SCALE));
        text.to(placement);
        Tensor features = encodePrompts(text, tokenize(tokenizer, PROMPTS, (int) arch.contextLength()));
        text.releaseWeights();
        return new ClipIqa(arch, visual, features, keep(logitScale.reshape(new long[0])), placement, w.describe());
    }

    /** Drops configuration entries and counters, and DataParallel's {@code module.} prefix. */
    private static String rename(String key) {
        return CONFIG_KEYS.contains(key) || key.endsWith(".num_batches_tracked") ? null
                : WeightViews.withoutDataParallelPrefix(key);
    }

    /** The shape of {@code logit_scale}: one value, 0-d or of shape [1]. */
    private static long[] scalarShape(WeightSource w) {
        long[] shape = w.keys().contains(LOGIT_SCALE) ? w.info(LOGIT_SCALE).shape() : null;
        if (shape == null) {
            throw new IllegalArgumentException(w.describe() + " has no '" + LOGIT_SCALE + "'; it is not an OpenAI "
                    + "CLIP state dict");
        }
        if (Arrays.stream(shape).reduce(1, Math::multiplyExact) != 1) {
            throw new IllegalArgumentException(w.describe() + ": '" + LOGIT_SCALE + "' has shape "
                    + Arrays.toString(shape) + "; expected one value (shape [] or [1])");
        }
        return shape;
    }

    /** {@code encode_text} of the prompts' token ids (prompts, embed), before normalisation, kept beyond any scope. */
    private static Tensor encodePrompts(ClipTextTower text, long[][] tokens) {
        try (AutoCloseable mode = Torch.inferenceMode(); PointerScope scope = new PointerScope()) {
            return keep(text.forward(tokens));
        } catch (Exception e) {
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
    }

    /**
     * {@code clip.tokenize(texts, context_length)}: per text [start-of-text, BPE ids, end-of-text] followed by
     * zeros; OpenAI's tokenizer cleans text as ftfy + whitespace collapse + lower case.
     *
     * @throws IllegalArgumentException if a text needs more than {@code context} tokens
     */
    public static long[][] tokenize(ClipTokenizer tokenizer, List<String> texts, int context) {
        ClipTokenizer t = tokenizer.withNormalization(ClipTokenizer.Normalization.FTFY_LIKE);
        long[][] out = new long[texts.size()][context];
        for (int i = 0; i < out.length; i++) {
            int[] ids = t.encodeUntruncated(texts.get(i));
            if (ids.length > context) {
                throw new IllegalArgumentException("'" + texts.get(i) + "' is " + ids.length + " tokens, longer "
                        + "than the context length " + context);
            }
            for (int j = 0; j < ids.length; j++) {
                out[i][j] = ids[j];
            }
        }
        return out;
    }

    @Override
    public String description() {
        return "CLIP-IQA (CLIP ResNet " + Arrays.toString(architecture.visionLayers()) + " of width "
                + architecture.visionWidth() + ", 5 prompt pairs), as pyiqa 0.1.10 clipiqa; weights " + source;
    }

    @Override
    Tensor batchScores(Tensor images, Tensor references) {
        return forward(images);
    }

    /** Scores (N) of (N, 3, H, W) images in [0, 1], placed like the network. */
    public Tensor forward(Tensor images) {
        return outputs(images).scores();
    }

    /**
     * What pyiqa's {@code CLIPIQA.forward} computes on the way to the score.
     *
     * @param layer4            the ResNet trunk's output (N, 32·width, H/32, W/32), the attention pool's input
     * @param imageFeatures     {@code encode_image} (N, embed), before normalisation
     * @param logitsPerImage    exp(logit_scale) · the cosine similarity with each prompt (N, prompts)
     * @param pairProbabilities per (positive, negative) pair, the positive's softmax probability (N, pairs)
     * @param scores            the mean over the pairs (N)
     */
    public record Outputs(Tensor layer4, Tensor imageFeatures, Tensor logitsPerImage, Tensor pairProbabilities,
                          Tensor scores) {
    }

    /** The score and its intermediates for (N, 3, H, W) images in [0, 1], placed like the network. */
    public Outputs outputs(Tensor images) {
        Tensor layer4 = visual.trunk(normalised(images));
        Tensor features = visual.pool(layer4);
        Tensor logits = unit(features).matmul(unitTextFeatures.t()).mul(logitScale.exp());
        Tensor pairs = Torch.softmax(logits.reshape(images.size(0), PROMPTS.size() / 2, 2), 2).select(2, 0);
        return new Outputs(layer4, features, logits, pairs, pairs.mean(1));
    }

    /** The sizes read from the weights. */
    ClipArchitecture architecture() {
        return architecture;
    }

    /** {@code encode_text} of the prompts (prompts, embed) before normalisation; positive and negative alternate. */
    Tensor textFeatures() {
        return textFeatures;
    }

    /** The prompts' features divided by their norms, as the logits use them. */
    Tensor unitTextFeatures() {
        return unitTextFeatures;
    }

    /** exp(logit_scale). */
    double logitScale() {
        return logitScale.exp().item_double();
    }

    /** The network input: (x − mean) / std per channel. */
    Tensor normalised(Tensor images) {
        return images.sub(mean).div(std);
    }

    private static Tensor unit(Tensor x) {
        return x.div(x.mul(x).sum(1).unsqueeze(1).sqrt());
    }

    private static Tensor keep(Tensor t) {
        t.retainReference();
        return t;
    }
}
