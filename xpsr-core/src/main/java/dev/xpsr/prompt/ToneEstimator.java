package dev.xpsr.prompt;

/**
 * Exposure and contrast from the luma histogram.
 *
 * <ul>
 *   <li>Exposure: the mean luma in [0, 1] and the fractions of pixels clipped to black (luma &lt;
 *       {@value #SHADOW_CLIP}) and to white (luma &gt; {@value #HIGHLIGHT_CLIP}), the histogram statistics an
 *       exposure meter or a camera's clipping warning reads.</li>
 *   <li>Contrast: RMS contrast, the standard deviation of the luma scaled to [0, 1], as defined by E. Peli,
 *       "Contrast in complex images", <i>Journal of the Optical Society of America A</i> 7(10):2032–2040,
 *       1990.</li>
 * </ul>
 */
public final class ToneEstimator {
    /** Luma below this (of 255) counts as crushed black. */
    static final double SHADOW_CLIP = 4;
    /** Luma above this (of 255) counts as blown-out white. */
    static final double HIGHLIGHT_CLIP = 251;

    private ToneEstimator() {
    }

    /**
     * Tone statistics of one image.
     *
     * @param meanLuma         mean luma in [0, 1]
     * @param shadowsClipped   fraction of pixels with luma below {@value #SHADOW_CLIP}/255
     * @param highlightsClipped fraction of pixels with luma above {@value #HIGHLIGHT_CLIP}/255
     * @param rmsContrast      standard deviation of luma/255 (Peli 1990)
     */
    public record Result(double meanLuma, double shadowsClipped, double highlightsClipped, double rmsContrast) {
    }

    public static Result measure(LumaPlane luma) {
        double sum = 0;
        double sumSq = 0;
        long dark = 0;
        long bright = 0;
        for (double v : luma.values()) {
            sum += v;
            sumSq += v * v;
            dark += v < SHADOW_CLIP ? 1 : 0;
            bright += v > HIGHLIGHT_CLIP ? 1 : 0;
        }
        double n = luma.values().length;
        double mean = sum / n;
        double variance = Math.max(0, sumSq / n - mean * mean);
        return new Result(mean / 255, dark / n, bright / n, Math.sqrt(variance) / 255);
    }
}
