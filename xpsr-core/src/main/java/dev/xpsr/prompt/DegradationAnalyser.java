package dev.xpsr.prompt;

import dev.xpsr.io.RgbImage;

/**
 * Estimates, from a low-resolution image alone, how it is degraded — noise, blur, JPEG blocking, exposure,
 * contrast, colour cast and effective resolution — and renders that as a low-level (quality) prompt in the style
 * of the Q-Instruct descriptions XPSR conditions on. It stands in for the Q-Instruct MLLM when no model server
 * is available, and can run beside one.
 *
 * <p>Every measure is a published no-reference technique, documented on its estimator class
 * ({@link NoiseEstimator}, {@link SharpnessEstimator}, {@link BlurEffectEstimator}, {@link BlockinessEstimator},
 * {@link ToneEstimator}, {@link ColourCastEstimator}, {@link SpectralResolutionEstimator}); all run in plain Java
 * on the BT.601 luma (the cast on CIELAB chroma). {@link QualityThresholds} turns the measures into verdicts and
 * {@link QualityAssessment} into words. Instances are immutable and thread-safe.
 */
public final class DegradationAnalyser {
    private final QualityThresholds thresholds;

    /** An analyser with {@link QualityThresholds#DEFAULT}. */
    public DegradationAnalyser() {
        this(QualityThresholds.DEFAULT);
    }

    public DegradationAnalyser(QualityThresholds thresholds) {
        this.thresholds = thresholds;
    }

    /** Every measure of {@code image}. */
    public DegradationReport analyse(RgbImage image) {
        LumaPlane luma = LumaPlane.of(image);
        BlockinessEstimator.Result blocks = BlockinessEstimator.measure(luma);
        ToneEstimator.Result tone = ToneEstimator.measure(luma);
        SpectralResolutionEstimator.Result spectrum = SpectralResolutionEstimator.measure(luma);
        return new DegradationReport(NoiseEstimator.sigma(luma), SharpnessEstimator.laplacianVariance(luma),
                BlurEffectEstimator.blurEffect(luma), blocks.blockiness(), blocks.qualityScore(), tone.meanLuma(),
                tone.shadowsClipped(), tone.highlightsClipped(), tone.rmsContrast(), ColourCastEstimator.measure(image),
                spectrum.effectiveResolution(), spectrum.spectralSlope());
    }

    /** The verdicts on {@code image}. */
    public QualityAssessment assess(RgbImage image) {
        return thresholds.assess(analyse(image));
    }

    /** The low-level prompt for {@code image}. */
    public String describe(RgbImage image) {
        return assess(image).describe();
    }
}
