package dev.xpsr.metrics;

import dev.xpsr.io.RgbImage;

import java.util.List;

/**
 * A metric of a whole set of images against a reference set (FID): one number for the set, which is not the
 * mean of per-image values, so it is reported apart from the {@link Metric}s.
 */
public interface DistributionMetric {
    /** Short identifier as reports and the command line use it, e.g. {@code fid}. */
    String name();

    /** The convention, the reference reproduced and the weights used, in one line. */
    String description();

    /** Whether larger values mean better quality (FID: lower is better). */
    boolean higherIsBetter();

    /**
     * The metric of {@code images} against {@code references}; the sets need not be paired nor of equal size.
     *
     * @throws IllegalArgumentException if either set is too small for the statistic
     */
    double score(List<RgbImage> images, List<RgbImage> references);
}
