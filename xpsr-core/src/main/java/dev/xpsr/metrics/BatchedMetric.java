package dev.xpsr.metrics;

import dev.xpsr.io.RgbImage;

import java.util.List;

/**
 * A metric that scores same-size images together: {@link #scores} checks the arguments, groups the images by size
 * into chunks of at most {@code batch}, and hands each chunk to {@link #scoreChunk}; {@link #score} is a chunk of
 * one. Also holds the fixed facts every metric reports (name, direction, whether it needs a reference).
 */
abstract class BatchedMetric implements Metric {
    /** Readable values for the constructor's {@code higherIsBetter}. */
    static final boolean HIGHER_IS_BETTER = true;
    static final boolean LOWER_IS_BETTER = false;
    /** Readable values for the constructor's {@code needsReference}. */
    static final boolean FULL_REFERENCE = true;
    static final boolean NO_REFERENCE = false;

    private final String name;
    private final boolean higherIsBetter;
    private final boolean needsReference;
    private final int batch;

    /**
     * @param batch the most images scored together (bounds the memory one chunk takes)
     */
    BatchedMetric(String name, boolean higherIsBetter, boolean needsReference, int batch) {
        this.name = name;
        this.higherIsBetter = higherIsBetter;
        this.needsReference = needsReference;
        this.batch = batch;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final boolean higherIsBetter() {
        return higherIsBetter;
    }

    @Override
    public final boolean needsReference() {
        return needsReference;
    }

    @Override
    public final double score(RgbImage image, RgbImage reference) {
        ImagePairs.check(this, image, reference);
        return scores(List.of(image), needsReference ? List.of(reference) : null)[0];
    }

    @Override
    public final double[] scores(List<RgbImage> images, List<RgbImage> references) {
        ImagePairs.check(this, images, references);
        // a no-reference metric ignores references it is given
        List<RgbImage> refs = needsReference ? references : null;
        double[] out = new double[images.size()];
        for (int[] chunk : ImagePairs.sameSizeChunks(images, batch)) {
            double[] v = scoreChunk(images, refs, chunk);
            for (int i = 0; i < chunk.length; i++) {
                out[chunk[i]] = v[i];
            }
        }
        return out;
    }

    /**
     * The scores of the images at {@code chunk}, all of one size, in the order of {@code chunk}.
     *
     * @param references parallel to {@code images}; null for a no-reference metric
     */
    abstract double[] scoreChunk(List<RgbImage> images, List<RgbImage> references, int[] chunk);
}
