package dev.xpsr.metrics;

import dev.xpsr.io.RgbImage;

import java.util.List;

/**
 * An image quality metric: full-reference (a restored image against its ground truth) or no-reference (one
 * image alone). Every implementation reproduces one reference tool exactly and says which in
 * {@link #description()}, because the same images give different numbers under different conventions.
 */
public interface Metric {
    /** Short identifier as reports and the command line use it, e.g. {@code psnr}, {@code lpips}, {@code niqe}. */
    String name();

    /** The convention, the reference reproduced and the weights used, in one line. */
    String description();

    /** Whether larger values mean better quality (PSNR, SSIM) or worse (LPIPS, DISTS, NIQE, BRISQUE). */
    boolean higherIsBetter();

    /** Whether {@link #score} needs a reference image (full-reference metric). */
    boolean needsReference();

    /**
     * The metric of one image.
     *
     * @param image     the image judged (e.g. the super-resolved output)
     * @param reference its ground truth of the same size; ignored (may be null) by no-reference metrics
     * @throws IllegalArgumentException if a full-reference metric gets no reference or one of another size
     */
    double score(RgbImage image, RgbImage reference);

    /**
     * The metric of many images; implementations that can batch on the engine override this. The result is
     * that of calling {@link #score} per image, up to the last bits of rounding (a batched engine kernel may sum in
     * another order: SSIM differs by about 1e-16).
     *
     * @param references same length as {@code images}; ignored (may be null) by no-reference metrics
     */
    default double[] scores(List<RgbImage> images, List<RgbImage> references) {
        ImagePairs.check(this, images, references);
        double[] out = new double[images.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = score(images.get(i), references == null ? null : references.get(i));
        }
        return out;
    }

    /** Convenience for no-reference metrics: {@link #scores} without references. */
    default double[] scores(List<RgbImage> images) {
        if (needsReference()) {
            throw new IllegalArgumentException(name() + " is a full-reference metric and needs reference images");
        }
        return scores(images, null);
    }
}
