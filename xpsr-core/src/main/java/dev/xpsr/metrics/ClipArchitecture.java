package dev.xpsr.metrics;

import dev.xpsr.nn.WeightSource;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sizes of an OpenAI CLIP ResNet model, read from its state dict as {@code clip.model.build_model} reads them
 * (pyiqa 0.1.10 vendors it in {@code archs/clip_model.py}); nothing is assumed about RN50:
 * <ul>
 *   <li>{@code visionLayers}: Bottleneck blocks per stage, the distinct block indices under
 *       {@code visual.layer1..4};</li>
 *   <li>{@code visionWidth}: output channels of {@code visual.layer1.0.conv1} (the stem ends at this width,
 *       the trunk at 32 times it);</li>
 *   <li>{@code imageResolution}: 32 × the side of the square grid of {@code visual.attnpool.positional_embedding}
 *       (rows = side² + 1); the resolution the model was trained at, not a size inputs are resized to;</li>
 *   <li>{@code embedDim}: columns of {@code text_projection}; {@code contextLength}: rows of
 *       {@code positional_embedding}; {@code vocabSize}: rows of {@code token_embedding.weight};</li>
 *   <li>{@code transformerWidth}: size of {@code ln_final.weight}; heads = width ÷ 64 rounded down;
 *       {@code transformerLayers}: the distinct indices under {@code transformer.resblocks}.</li>
 * </ul>
 */
record ClipArchitecture(int[] visionLayers, long visionWidth, long imageResolution, long embedDim,
                        long contextLength, long vocabSize, long transformerWidth, int transformerHeads,
                        int transformerLayers) {
    /** CLIP's attention heads have 64 channels, in the text transformer and the image attention pool. */
    static final long HEAD_WIDTH = 64;
    /** The ResNet reduces its input 32 times before the attention pool. */
    static final long REDUCTION = 32;
    private static final Pattern STAGE_BLOCK = Pattern.compile("visual\\.layer([1-4])\\.([^.]+)\\..*");
    private static final Pattern TEXT_BLOCK = Pattern.compile("transformer\\.resblocks\\.([^.]+)\\..*");

    ClipArchitecture {
        visionLayers = visionLayers.clone();
    }

    /** The sizes of the CLIP model whose state dict {@code w} holds (OpenAI's key names). */
    static ClipArchitecture of(WeightSource w) {
        if (w.keys().contains("visual.proj")) {
            throw new IllegalArgumentException(w.describe() + " is a CLIP ViT checkpoint ('visual.proj'); CLIP-IQA "
                    + "here runs the ResNet image tower (RN50 and its layout)");
        }
        long width = shape(w, "ln_final.weight", 1)[0];
        int heads = (int) (width / HEAD_WIDTH);
        if (heads == 0) {
            throw new IllegalArgumentException(w.describe() + ": text width " + width + " ('ln_final.weight') is "
                    + "below " + HEAD_WIDTH + ", so build_model would give the transformer 0 heads");
        }
        if (width % heads != 0) {
            throw new IllegalArgumentException(w.describe() + ": text width " + width + " is not divisible by its "
                    + heads + " heads (width // 64)");
        }
        return new ClipArchitecture(stageBlocks(w), shape(w, "visual.layer1.0.conv1.weight", 4)[0],
                REDUCTION * grid(w), shape(w, "text_projection", 2)[1], shape(w, "positional_embedding", 2)[0],
                shape(w, "token_embedding.weight", 2)[0], width, heads, textLayers(w));
    }

    /** Heads of the image attention pool: the trunk's 32·width channels in heads of 64. */
    int visionHeads() {
        return (int) (trunkChannels() / HEAD_WIDTH);
    }

    /** Channels of the ResNet trunk's output (the attention pool's input). */
    long trunkChannels() {
        return visionWidth * REDUCTION;
    }

    /** Side of the attention pool's positional-embedding grid. */
    long grid() {
        return imageResolution / REDUCTION;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClipArchitecture a && Arrays.equals(visionLayers, a.visionLayers)
                && visionWidth == a.visionWidth && imageResolution == a.imageResolution && embedDim == a.embedDim
                && contextLength == a.contextLength && vocabSize == a.vocabSize
                && transformerWidth == a.transformerWidth && transformerHeads == a.transformerHeads
                && transformerLayers == a.transformerLayers;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(visionLayers) * 31 + Long.hashCode(visionWidth) * 17 + Long.hashCode(embedDim);
    }

    @Override
    public String toString() {
        return "vision layers " + Arrays.toString(visionLayers) + ", vision width " + visionWidth
                + ", image resolution " + imageResolution + ", embed " + embedDim + ", context " + contextLength
                + ", vocabulary " + vocabSize + ", text width " + transformerWidth + " (" + transformerHeads
                + " heads) x " + transformerLayers + " layers";
    }

    private static int[] stageBlocks(WeightSource w) {
        List<Set<String>> seen = List.of(new TreeSet<>(), new TreeSet<>(), new TreeSet<>(), new TreeSet<>());
        for (String k : w.keys()) {
            Matcher m = STAGE_BLOCK.matcher(k);
            if (m.matches()) {
                seen.get(Integer.parseInt(m.group(1)) - 1).add(m.group(2));
            }
        }
        int[] blocks = new int[4];
        for (int s = 0; s < 4; s++) {
            blocks[s] = indexCount(w, seen.get(s), "visual.layer" + (s + 1));
        }
        return blocks;
    }

    private static int textLayers(WeightSource w) {
        Set<String> seen = new TreeSet<>();
        for (String k : w.keys()) {
            Matcher m = TEXT_BLOCK.matcher(k);
            if (m.matches()) {
                seen.add(m.group(1));
            }
        }
        return indexCount(w, seen, "transformer.resblocks");
    }

    /** The number of blocks under {@code prefix}, whose indices must be 0..n-1 (a Sequential's keys). */
    private static int indexCount(WeightSource w, Set<String> indices, String prefix) {
        if (indices.isEmpty()) {
            throw new IllegalArgumentException(w.describe() + " has no '" + prefix + ".N.*' keys; it is not an "
                    + "OpenAI CLIP ResNet state dict");
        }
        for (int i = 0; i < indices.size(); i++) {
            if (!indices.contains(Integer.toString(i))) {
                throw new IllegalArgumentException(w.describe() + ": the blocks under '" + prefix + "' are "
                        + indices + ", not 0.." + (indices.size() - 1));
            }
        }
        return indices.size();
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

    static long[] shape(WeightSource w, String key, int rank) {
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
