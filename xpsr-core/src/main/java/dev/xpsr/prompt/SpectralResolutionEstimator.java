package dev.xpsr.prompt;

/**
 * Effective resolution: the fraction of the Nyquist band that holds image detail, from the fall-off of the
 * radially averaged power spectrum.
 *
 * <p>Natural images have power spectra close to a power law P(f) ∝ f^(−α) with α ≈ 2 (D. J. Field, "Relations
 * between the statistics of natural images and the response properties of cortical cells", <i>JOSA A</i>
 * 4(12):2379–2394, 1987; A. van der Schaaf and J. H. van Hateren, <i>Vision Research</i> 36(17), 1996). Blur and
 * upscaling from a lower resolution cut the high end of that law, which is why spectral slope is a sharpness cue
 * (C. T. Vu, T. D. Phan and D. M. Chandler, "S3: A spectral and spatial measure of local perceived sharpness in
 * natural images", <i>IEEE TIP</i> 21(3):934–945, 2012). This estimator:
 * <ol>
 *   <li>averages the power spectra of up to {@value #MAX_TILES_PER_SIDE}² Hann-windowed, mean-removed luma tiles
 *       of T × T pixels (T the largest power of two ≤ min(width, height, {@value #MAX_TILE})), Welch style;</li>
 *   <li>averages it over rings of radius f (cycles per pixel, 0 &lt; f ≤ 0.5);</li>
 *   <li>fits log P = c − α log f over the low band f ∈ [{@value #FIT_LOW}, {@value #FIT_HIGH}], which mild
 *       degradations leave intact;</li>
 *   <li>takes as the cut-off f<sub>c</sub> the first frequency above the fit band where the (3-bin smoothed)
 *       spectrum falls more than {@value #DROP_DB} dB below the fitted law, or 0.5 if it never does.</li>
 * </ol>
 * The effective resolution is f<sub>c</sub> / 0.5: 1 for full detail, about 1/k for an image upscaled k times.
 * Noise flattens the spectrum and so hides lost resolution; that is reported by {@link NoiseEstimator}.
 */
public final class SpectralResolutionEstimator {
    static final int MAX_TILE = 256;
    static final int MIN_TILE = 32;
    static final int MAX_TILES_PER_SIDE = 4;
    static final double FIT_LOW = 0.03;
    static final double FIT_HIGH = 0.10;
    static final double DROP_DB = 10;

    private SpectralResolutionEstimator() {
    }

    /**
     * The spectral measures of one image.
     *
     * @param effectiveResolution f<sub>c</sub> / 0.5 in (0, 1]
     * @param spectralSlope       α of the low-band power-law fit (about 2 for natural images)
     */
    public record Result(double effectiveResolution, double spectralSlope) {
    }

    /** The measures of {@code luma}; NaN values when a side is under {@value #MIN_TILE} pixels. */
    public static Result measure(LumaPlane luma) {
        int tile = Integer.highestOneBit(Math.min(MAX_TILE, Math.min(luma.width(), luma.height())));
        if (tile < MIN_TILE) {
            return new Result(Double.NaN, Double.NaN);
        }
        double[] logPower = logRadialPower(luma, tile);
        double[] fit = fitPowerLaw(logPower, tile);
        double cutoff = cutoff(logPower, tile, fit[0], fit[1]);
        return new Result(cutoff / 0.5, -fit[1]);
    }

    /** log10 of the ring-averaged power for ring k = 1 .. tile/2 (index k; index 0 unused). */
    private static double[] logRadialPower(LumaPlane luma, int tile) {
        int half = tile / 2;
        double[] ring = new double[half + 1];
        long[] ringCount = new long[half + 1];
        double[] window = hann(tile);
        for (int y0 : tileOrigins(luma.height(), tile)) {
            for (int x0 : tileOrigins(luma.width(), tile)) {
                double[] re = windowedTile(luma, x0, y0, tile, window);
                double[] im = new double[re.length];
                Fft.transform2d(re, im, tile);
                accumulateRings(re, im, tile, ring, ringCount);
            }
        }
        double[] log = new double[half + 1];
        for (int k = 1; k <= half; k++) {
            // the floor keeps log finite for synthetic images with empty rings
            log[k] = Math.log10(Math.max(ring[k] / ringCount[k], 1e-12));
        }
        return log;
    }

    /** Evenly spread tile origins covering {@code size}, at most {@value #MAX_TILES_PER_SIDE}. */
    private static int[] tileOrigins(int size, int tile) {
        int count = Math.min(MAX_TILES_PER_SIDE, (size + tile - 1) / tile);
        int[] origins = new int[count];
        for (int i = 0; i < count; i++) {
            origins[i] = count == 1 ? (size - tile) / 2 : (int) Math.round((double) i * (size - tile) / (count - 1));
        }
        return origins;
    }

    private static double[] hann(int n) {
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            w[i] = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / n);
        }
        return w;
    }

    private static double[] windowedTile(LumaPlane luma, int x0, int y0, int tile, double[] window) {
        double[] v = new double[tile * tile];
        double mean = 0;
        for (int y = 0; y < tile; y++) {
            for (int x = 0; x < tile; x++) {
                v[y * tile + x] = luma.at(x0 + x, y0 + y);
                mean += v[y * tile + x];
            }
        }
        mean /= v.length;
        for (int y = 0; y < tile; y++) {
            for (int x = 0; x < tile; x++) {
                v[y * tile + x] = (v[y * tile + x] - mean) * window[x] * window[y];
            }
        }
        return v;
    }

    private static void accumulateRings(double[] re, double[] im, int tile, double[] ring, long[] ringCount) {
        int half = tile / 2;
        for (int ky = 0; ky < tile; ky++) {
            int fy = ky <= half ? ky : ky - tile;
            for (int kx = 0; kx < tile; kx++) {
                int fx = kx <= half ? kx : kx - tile;
                int k = (int) Math.round(Math.sqrt((double) fx * fx + (double) fy * fy));
                if (k >= 1 && k <= half) {
                    int i = ky * tile + kx;
                    ring[k] += re[i] * re[i] + im[i] * im[i];
                    ringCount[k]++;
                }
            }
        }
    }

    /** Least-squares {intercept, slope} of log10 P against log10 f over the fit band. */
    private static double[] fitPowerLaw(double[] logPower, int tile) {
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        int n = 0;
        for (int k = 1; k < logPower.length; k++) {
            double f = (double) k / tile;
            if (f >= FIT_LOW && f <= FIT_HIGH) {
                double x = Math.log10(f);
                sx += x;
                sy += logPower[k];
                sxx += x * x;
                sxy += x * logPower[k];
                n++;
            }
        }
        if (n < 2) {
            // a 32-pixel tile has a single ring in the band: anchor a slope of −2 on it
            int k = Math.max(1, (int) Math.round(FIT_LOW * tile));
            return new double[] {logPower[k] + 2 * Math.log10((double) k / tile), -2};
        }
        double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
        return new double[] {(sy - slope * sx) / n, slope};
    }

    private static double cutoff(double[] logPower, int tile, double intercept, double slope) {
        int half = tile / 2;
        for (int k = 1; k <= half; k++) {
            double f = (double) k / tile;
            if (f <= FIT_HIGH) {
                continue;
            }
            double smoothed = (logPower[k - 1] + logPower[k] + logPower[Math.min(half, k + 1)]) / 3;
            double expected = intercept + slope * Math.log10(f);
            if (smoothed < expected - DROP_DB / 10) {
                return f;
            }
        }
        return 0.5;
    }
}
