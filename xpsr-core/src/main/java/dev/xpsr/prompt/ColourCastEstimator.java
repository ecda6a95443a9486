package dev.xpsr.prompt;

import dev.xpsr.io.RgbImage;

/**
 * Colour cast from the chroma distribution in CIELAB.
 *
 * <p>Implements the cast index of F. Gasparini and R. Schettini, "Color balancing of digital photos using simple
 * image statistics", <i>Pattern Recognition</i> 37(6):1201–1217, 2004: the image is converted to CIELAB (sRGB,
 * D65 white), the mean (μa, μb) and standard deviations (σa, σb) of the chroma are taken, and the distribution is
 * summarised by its "equivalent circle" with centre distance D = √(μa² + μb²) from the neutral axis and radius
 * M = √(σa² + σb²). The cast index K = D / M is large when the chroma is concentrated away from neutral.
 *
 * <p>A scene of one dominant colour (an orange cat, a cup of coffee) also has a large K; Gasparini and Schettini
 * separate such "intrinsic" casts by looking at what should be neutral. Here the brightest
 * {@value #BRIGHT_FRACTION} of pixels (by L*) stand in for the neutral objects, after the bright-pixels
 * assumption of colour constancy (H. R. V. Joze, M. S. Drew, G. D. Finlayson and P. A. T. Rey, "The role of bright
 * pixels in illumination estimation", CIC 2012): their mean chroma distance and hue are reported so a cast can be
 * required to show there too.
 */
public final class ColourCastEstimator {
    /** The share of brightest pixels taken as the near-neutral reference. */
    static final double BRIGHT_FRACTION = 0.1;
    /** The most pixels converted to CIELAB; larger images are sampled. */
    static final int MAX_SAMPLES = 1 << 16;

    private ColourCastEstimator() {
    }

    /**
     * The chroma statistics of one image.
     *
     * @param castIndex        K = D / M (Gasparini-Schettini)
     * @param distance         D, the mean chroma's distance from neutral in a*b* units
     * @param hueDegrees       the mean chroma's hue angle in degrees: 0 = +a* (red/magenta), 90 = +b* (yellow),
     *                         180 = −a* (green), 270 = −b* (blue)
     * @param brightDistance   the mean chroma distance of the brightest pixels
     * @param brightHueDegrees the mean chroma hue of the brightest pixels
     */
    public record Result(double castIndex, double distance, double hueDegrees, double brightDistance,
                         double brightHueDegrees) {
        /** The tint's name from its hue: "reddish", "yellowish", "greenish", "bluish" or "purplish". */
        public String hueName() {
            double h = hueDegrees;
            if (h < 30 || h >= 330) {
                return "reddish";
            }
            if (h < 120) {
                return "yellowish";
            }
            if (h < 210) {
                return "greenish";
            }
            return h < 290 ? "bluish" : "purplish";
        }
    }

    /**
     * The statistics of {@code image}. Images above {@value #MAX_SAMPLES} pixels are sampled on a regular grid
     * (every k-th pixel of every k-th row), which leaves means and spreads practically unchanged.
     */
    public static Result measure(RgbImage image) {
        byte[] rgb = image.toHwcBytes();
        int w = image.width();
        int h = image.height();
        int stride = (int) Math.ceil(Math.sqrt((double) w * h / MAX_SAMPLES));
        int n = ((w + stride - 1) / stride) * ((h + stride - 1) / stride);
        double[] l = new double[n];
        double[] a = new double[n];
        double[] b = new double[n];
        double[] lab = new double[3];
        int i = 0;
        for (int y = 0; y < h; y += stride) {
            for (int x = 0; x < w; x += stride) {
                int p = 3 * (y * w + x);
                toLab(rgb[p] & 0xFF, rgb[p + 1] & 0xFF, rgb[p + 2] & 0xFF, lab);
                l[i] = lab[0];
                a[i] = lab[1];
                b[i] = lab[2];
                i++;
            }
        }
        double muA = mean(a);
        double muB = mean(b);
        double m = Math.sqrt(variance(a, muA) + variance(b, muB));
        double d = Math.hypot(muA, muB);
        // a uniformly tinted image has no spread: its index is capped rather than infinite
        double k = d == 0 ? 0 : d / Math.max(m, 1e-3);
        double[] bright = brightMean(l, a, b);
        return new Result(k, d, hue(muA, muB), Math.hypot(bright[0], bright[1]), hue(bright[0], bright[1]));
    }

    /**
     * Mean (a*, b*) of the pixels whose L* is in the top {@value #BRIGHT_FRACTION}; the L* threshold comes from a
     * histogram of 0.1-wide bins, so ties at the threshold are all in.
     */
    private static double[] brightMean(double[] l, double[] a, double[] b) {
        int[] histogram = new int[1002];
        for (double v : l) {
            histogram[Math.max(0, Math.min(1001, (int) (v * 10)))]++;
        }
        long wanted = Math.max(1, (long) Math.ceil(BRIGHT_FRACTION * l.length));
        long seen = 0;
        int bin = histogram.length - 1;
        while (seen + histogram[bin] < wanted) {
            seen += histogram[bin];
            bin--;
        }
        double threshold = bin / 10.0;
        double sumA = 0;
        double sumB = 0;
        int count = 0;
        for (int i = 0; i < l.length; i++) {
            if (l[i] >= threshold) {
                sumA += a[i];
                sumB += b[i];
                count++;
            }
        }
        return new double[] {sumA / count, sumB / count};
    }

    private static double hue(double a, double b) {
        double h = Math.toDegrees(Math.atan2(b, a));
        return h < 0 ? h + 360 : h;
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static double variance(double[] v, double mean) {
        double s = 0;
        for (double x : v) {
            s += (x - mean) * (x - mean);
        }
        return s / v.length;
    }

    /** sRGB (8-bit) to CIELAB under D65, written into {@code lab} as L*, a*, b*. */
    static void toLab(int r, int g, int b, double[] lab) {
        double rl = linear(r);
        double gl = linear(g);
        double bl = linear(b);
        // IEC 61966-2-1 sRGB to XYZ, normalised by the D65 white point
        double x = (0.4124564 * rl + 0.3575761 * gl + 0.1804375 * bl) / 0.95047;
        double y = 0.2126729 * rl + 0.7151522 * gl + 0.0721750 * bl;
        double z = (0.0193339 * rl + 0.1191920 * gl + 0.9503041 * bl) / 1.08883;
        double fx = f(x);
        double fy = f(y);
        double fz = f(z);
        lab[0] = 116 * fy - 16;
        lab[1] = 500 * (fx - fy);
        lab[2] = 200 * (fy - fz);
    }

    private static double linear(int v) {
        return LINEAR[v];
    }

    /** The sRGB decoding curve for the 256 byte values (one pow per value instead of three per pixel). */
    private static final double[] LINEAR = new double[256];

    static {
        for (int v = 0; v < 256; v++) {
            double c = v / 255.0;
            LINEAR[v] = c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
        }
    }

    private static double f(double t) {
        // CIE 1976: cube root above (6/29)³, a linear segment below it
        return t > 216.0 / 24389 ? Math.cbrt(t) : (24389.0 / 27 * t + 16) / 116;
    }
}
