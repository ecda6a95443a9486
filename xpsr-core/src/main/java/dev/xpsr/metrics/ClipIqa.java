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
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CLIP-IQA ("Exploring CLIP for Assessing the Look and Feel of Images", AAAI 2023) as pyiqa 0.1.10's {@code clipiqa} computes it (no-reference, higher is
 * better, in [0, 1]), on OpenAI CLIP RN50:
 * <pre>
 *   x' = (x − mean) / std                      (x in [0, 1], CLIP's mean/std; no resize, no crop)
 *   f  = visual(x') / |visual(x')|              ({@link ClipResNet}, no positional embedding)
 *   tₖ = text(promptₖ) / |text(promptₖ)|        ({@link ClipTextTower}, the 10 prompts of {@link #PROMPTS})
 *   lₖ = exp(logit_scale) · f·tₖ
 *   score = mean over the 5 pairs (good, bad) of softmax(l_good, l_bad)[good]
 * </pre>
 * pyiqa's prompt ensemble replaces the paper's single pair ("Good photo.", "Bad photo."). The prompts are
 * tokenised as {@code clip.tokenize}: start-of-text, the BPE ids, end-of-text, zeros up to 77. The prompts'
 * features do not depend on the image, so they are computed once when the metric loads and the text tower's
 * weights are then released.
 *
 * <p>Weights: OpenAI's {@code RN50.pt} state dict (keys {@code visual.*}, {@code token_embedding.weight},
 * {@code transformer.resblocks.N.*}, {@code logit_scale}, ...); the architecture is read from the tensor shapes,
 * as {@code clip.model.build_model} does, so a smaller checkpoint of the same layout loads too.
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
    private static final int BATCH = 4;
    private static final Pattern STAGE_BLOCK = Pattern.compile("visual\\.layer([1-4])\\.(\\d+)\\..*");
    private static final Pattern TEXT_BLOCK = Pattern.compile("transformer\\.resblocks\\.(\\d+)\\..*");

    private final ClipResNet visual;
    private final Tensor textFeatures;
    private final Tensor logitScale;
    private final Tensor mean;
    private final Tensor std;
    private final String source;

    private ClipIqa(ClipResNet visual, Tensor textFeatures, Tensor logitScale, Placement placement, String source) {
        super("clipiqa", HIGHER_IS_BETTER, NO_REFERENCE, BATCH, placement);
        this.visual = visual;
        this.textFeatures = textFeatures;
        this.logitScale = logitScale;
        this.source = source;
        this.mean = keep(placement.place(Torch.fromFloats(MEAN.clone(), 1, 3, 1, 1)));
        this.std = keep(placement.place(Torch.fromFloats(STD.clone(), 1, 3, 1, 1)));
    }

    /** Loads CLIP from a state dict in OpenAI's layout and encodes the prompts. */
    public static ClipIqa load(List<WeightSource> files, Placement placement) {
        WeightSource w = WeightViews.merged(files, k -> CONFIG_KEYS.contains(k) || k.endsWith(".num_batches_tracked")
                ? null : WeightViews.withoutDataParallelPrefix(k));
        if (w.keys().contains("visual.proj")) {
            throw new IllegalArgumentException(w.describe() + " is a CLIP ViT checkpoint; CLIP-IQA here uses the "
                    + "ResNet (RN50) image tower");
        }
        ClipResNet visual = new ClipResNet(stageBlocks(w), shape(w, "visual.layer1.0.conv1.weight", 4)[0],
                shape(w, "text_projection", 2)[1], grid(w));
        WeightLoader.load(visual, w.withPrefix("visual."));
        visual.to(placement);
        Container scale = new Container();
        Tensor logitScale = scale.addParameter("logit_scale");
        ClipTextTower text = textTower(w);
        WeightLoader.load(text, w.without("visual.", "logit_scale"));
        WeightLoader.load(scale, w.without("visual.", "token_embedding.", "positional_embedding", "transformer.",
                "ln_final.", "text_projection"));
        scale.to(placement);
        text.to(placement);
        Tensor features = encodePrompts(text, shape(w, "positional_embedding", 2)[0]);
        text.stateDict().values().forEach(Tensor::releaseReference);
        return new ClipIqa(visual, features, logitScale, placement, w.describe());
    }

    /** The normalised features of {@link #PROMPTS}, (10, embed), kept beyond any scope. */
    private static Tensor encodePrompts(ClipTextTower text, long context) {
        try (AutoCloseable mode = Torch.inferenceMode(); PointerScope scope = new PointerScope()) {
            Tensor t = text.forward(tokenize(ClipTokenizer.bundled(), PROMPTS, (int) context));
            return keep(unit(t));
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
        return "CLIP-IQA (CLIP RN50, 5 prompt pairs), as pyiqa 0.1.10 clipiqa; weights " + source;
    }

    @Override
    Tensor batchScores(Tensor images, Tensor references) {
        return forward(images);
    }

    /** Scores (N) of (N, 3, H, W) images in [0, 1], placed like the network. */
    public Tensor forward(Tensor images) {
        Tensor f = imageFeatures(images);
        Tensor logits = f.matmul(textFeatures.t()).mul(logitScale.exp());
        Tensor pairs = Torch.softmax(logits.reshape(images.size(0), PROMPTS.size() / 2, 2), 2);
        return pairs.select(2, 0).mean(1);
    }

    /** Normalised image embeddings (N, embed) of (N, 3, H, W) images in [0, 1]. */
    Tensor imageFeatures(Tensor images) {
        return unit(visual.forward(normalised(images)));
    }

    /** The prompts' normalised text features (10, embed), positive and negative prompt alternating. */
    Tensor textFeatures() {
        return textFeatures;
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

    // ---------------------------------------------------------------- architecture from the weights

    private static int[] stageBlocks(WeightSource w) {
        int[] blocks = new int[4];
        List<Set<Integer>> seen = List.of(new TreeSet<>(), new TreeSet<>(), new TreeSet<>(), new TreeSet<>());
        for (String k : w.keys()) {
            Matcher m = STAGE_BLOCK.matcher(k);
            if (m.matches()) {
                seen.get(Integer.parseInt(m.group(1)) - 1).add(Integer.parseInt(m.group(2)));
            }
        }
        for (int s = 0; s < 4; s++) {
            blocks[s] = seen.get(s).size();
            if (blocks[s] == 0) {
                throw new IllegalArgumentException(w.describe() + " has no 'visual.layer" + (s + 1) + ".*' keys; "
                        + "it is not an OpenAI CLIP ResNet state dict");
            }
        }
        return blocks;
    }

    private static long grid(WeightSource w) {
        long tokens = shape(w, "visual.attnpool.positional_embedding", 2)[0];
        long side = Math.round(Math.sqrt(tokens - 1));
        if (side * side + 1 != tokens) {
            throw new IllegalArgumentException(w.describe() + ": 'visual.attnpool.positional_embedding' has "
                    + tokens + " rows, not a square grid plus one");
        }
        return side;
    }

    private static ClipTextTower textTower(WeightSource w) {
        Set<Integer> layers = new TreeSet<>();
        for (String k : w.keys()) {
            Matcher m = TEXT_BLOCK.matcher(k);
            if (m.matches()) {
                layers.add(Integer.parseInt(m.group(1)));
            }
        }
        long width = shape(w, "ln_final.weight", 1)[0];
        if (width % 64 != 0) {
            throw new IllegalArgumentException(w.describe() + ": text width " + width + " is not a multiple of 64 "
                    + "(CLIP uses 64 channels per head)");
        }
        return new ClipTextTower(shape(w, "token_embedding.weight", 2)[0], shape(w, "positional_embedding", 2)[0],
                width, layers.size(), shape(w, "text_projection", 2)[1]);
    }

    private static long[] shape(WeightSource w, String key, int rank) {
        if (!w.keys().contains(key)) {
            throw new IllegalArgumentException(w.describe() + " has no '" + key + "'; it is not an OpenAI CLIP "
                    + "state dict");
        }
        long[] s = w.info(key).shape();
        if (s.length != rank) {
            throw new IllegalArgumentException(w.describe() + ": '" + key + "' has shape " + Arrays.toString(s)
                    + ", expected " + rank + " dimensions");
        }
        return s;
    }
}
