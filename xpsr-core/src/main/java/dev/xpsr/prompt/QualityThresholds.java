package dev.xpsr.prompt;

/**
 * Where the measures of a {@link DegradationReport} turn into words. The defaults were set on real photos
 * (fixtures/data/images/hr, 256 px) degraded at known levels: Gaussian blur σ 0.8–4 px, Gaussian noise σ 3–25
 * per channel, JPEG quality 90–10 (ImageIO), so that the clean photos read as clean and the strongest level of each
 * degradation reads as strong (see {@code DegradationAnalyserRankTest}).
 *
 * @param blurSlight        blur effect from which the image is "slightly blurry"
 * @param blurModerate      ... "blurry"
 * @param blurStrong        ... "very blurry"
 * @param noiseSlight       luma noise σ (grey levels) from which the image is "slightly noisy"
 * @param noiseModerate     ... "noisy"
 * @param noiseStrong       ... "very noisy"
 * @param blockSlight       blockiness from which there are "slight compression artifacts"
 * @param blockModerate     ... "visible compression artifacts"
 * @param blockStrong       ... "strong blocky compression artifacts"
 * @param detailLoss        effective resolution below which "fine details are lost"
 * @param dark              mean luma below which the image is underexposed
 * @param dim               mean luma below which the lighting is dim
 * @param bright            mean luma above which the image is overexposed
 * @param blownOut          fraction of blown-out pixels above which the image is overexposed
 * @param contrastSlight    RMS contrast below which "the contrast is slightly low"
 * @param contrastModerate  ... "the contrast is low"
 * @param contrastStrong    ... "washed out with very low contrast"
 * @param castIndex         Gasparini-Schettini K from which a tint is considered
 * @param castDistance      mean chroma distance (a*b* units) from which a tint is considered
 * @param castBrightDistance mean chroma distance of the brightest pixels a tint must also show
 * @param castHueTolerance  largest angle (degrees) between the overall and the bright pixels' hue for a tint
 */
public record QualityThresholds(double blurSlight, double blurModerate, double blurStrong, double noiseSlight,
                                double noiseModerate, double noiseStrong, double blockSlight, double blockModerate,
                                double blockStrong, double detailLoss, double dark, double dim, double bright,
                                double blownOut, double contrastSlight, double contrastModerate,
                                double contrastStrong, double castIndex, double castDistance,
                                double castBrightDistance, double castHueTolerance) {

    public static final QualityThresholds DEFAULT = new QualityThresholds(0.48, 0.60, 0.75, 7, 10, 14, 1.08, 1.2,
            1.5, 0.5, 0.12, 0.22, 0.8, 0.25, 0.10, 0.07, 0.045, 1.0, 12, 15, 60);

    /** The verdicts on one report. */
    public QualityAssessment assess(DegradationReport r) {
        Severity blur = Severity.of(r.blurEffect(), blurSlight, blurModerate, blurStrong);
        Severity noise = Severity.of(r.noiseSigma(), noiseSlight, noiseModerate, noiseStrong);
        Severity blocks = Severity.of(r.blockiness(), blockSlight, blockModerate, blockStrong);
        boolean detail = r.effectiveResolution() < detailLoss;
        Severity contrast = Severity.below(r.rmsContrast(), contrastSlight, contrastModerate, contrastStrong);
        String tint = hasCast(r.cast()) ? r.cast().hueName() : null;
        Exposure exposure = exposure(r);
        return new QualityAssessment(blur, noise, blocks, detail, exposure, contrast, tint,
                overall(blur, noise, blocks, detail, exposure, contrast, tint != null));
    }

    private Exposure exposure(DegradationReport r) {
        if (r.meanLuma() < dark) {
            return Exposure.DARK;
        }
        if (r.meanLuma() < dim) {
            return Exposure.DIM;
        }
        return r.meanLuma() > bright || r.highlightsClipped() > blownOut ? Exposure.OVEREXPOSED : Exposure.GOOD;
    }

    private boolean hasCast(ColourCastEstimator.Result c) {
        double hueGap = Math.abs(c.hueDegrees() - c.brightHueDegrees()) % 360;
        hueGap = Math.min(hueGap, 360 - hueGap);
        return c.castIndex() >= castIndex && c.distance() >= castDistance && c.brightDistance() >= castBrightDistance
                && hueGap <= castHueTolerance;
    }

    /**
     * The overall verdict: the worst penalty plus a quarter of the others (several moderate problems read worse
     * than one), then good ≤ 0.5 &lt; fair ≤ 1.5 &lt; poor ≤ 3 &lt; bad. Penalties: the severity level (0–3) of
     * blur, noise, blocking and contrast, 1 for lost detail, the exposure's, ½ for a tint.
     */
    private static OverallQuality overall(Severity blur, Severity noise, Severity blocks, boolean detail,
                                          Exposure exposure, Severity contrast, boolean tint) {
        double[] penalties = {blur.level(), noise.level(), blocks.level(), detail ? 1 : 0, exposure.penalty(),
                contrast.level(), tint ? 0.5 : 0};
        double max = 0;
        double sum = 0;
        for (double p : penalties) {
            max = Math.max(max, p);
            sum += p;
        }
        double score = max + 0.25 * (sum - max);
        if (score <= 0.5) {
            return OverallQuality.GOOD;
        }
        if (score <= 1.5) {
            return OverallQuality.FAIR;
        }
        return score <= 3 ? OverallQuality.POOR : OverallQuality.BAD;
    }
}
