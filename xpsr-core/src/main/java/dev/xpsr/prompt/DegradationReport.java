package dev.xpsr.prompt;

import java.util.Locale;

/**
 * What {@link DegradationAnalyser} measured on one image. A value is NaN where the image is too small for its
 * estimator.
 *
 * @param noiseSigma          σ of additive white noise on the luma, in grey levels ({@link NoiseEstimator},
 *                            Immerkær 1996); noise of σ per RGB channel gives about 0.67 σ on the luma
 * @param laplacianVariance   variance of the Laplacian, higher is sharper ({@link SharpnessEstimator})
 * @param blurEffect          perceptual blur in [0, 1], higher is blurrier ({@link BlurEffectEstimator},
 *                            Crété-Roffet et al. 2007)
 * @param blockiness          8-periodic peak of the difference signal over the next residue, about 1 without JPEG
 *                            blocking ({@link BlockinessEstimator})
 * @param jpegQuality         Wang-Sheikh-Bovik 2002 predicted JPEG quality, about 1 (worst) to 10 (best)
 * @param meanLuma            mean luma in [0, 1] ({@link ToneEstimator})
 * @param shadowsClipped      fraction of crushed-black pixels
 * @param highlightsClipped   fraction of blown-out pixels
 * @param rmsContrast         RMS contrast (Peli 1990)
 * @param cast                chroma statistics: Gasparini-Schettini cast index and the bright-pixel check
 *                            ({@link ColourCastEstimator})
 * @param effectiveResolution fraction of the Nyquist band holding detail ({@link SpectralResolutionEstimator})
 * @param spectralSlope       power-law exponent α of the low-band spectrum
 */
public record DegradationReport(double noiseSigma, double laplacianVariance, double blurEffect, double blockiness,
                                double jpegQuality, double meanLuma, double shadowsClipped, double highlightsClipped,
                                double rmsContrast, ColourCastEstimator.Result cast, double effectiveResolution,
                                double spectralSlope) {

    /** One line of every measure, for logs and reports. */
    public String summary() {
        return String.format(Locale.ROOT, "noise σ %.2f, Laplacian variance %.1f, blur effect %.3f, blockiness %.3f,"
                        + " JPEG quality %.2f, mean luma %.3f, clipped %.3f/%.3f, RMS contrast %.3f, cast K %.2f"
                        + " (D %.1f at %.0f°, bright D %.1f at %.0f°), effective resolution %.2f, spectral slope %.2f",
                noiseSigma, laplacianVariance, blurEffect, blockiness, jpegQuality, meanLuma, shadowsClipped,
                highlightsClipped, rmsContrast, cast.castIndex(), cast.distance(), cast.hueDegrees(),
                cast.brightDistance(), cast.brightHueDegrees(), effectiveResolution, spectralSlope);
    }
}
