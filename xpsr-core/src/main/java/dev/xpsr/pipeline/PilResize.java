package dev.xpsr.pipeline;

import dev.xpsr.io.RgbImage;

/**
 * Pillow 9.4 {@code Image.resize(size, resample)} for 8-bit RGB images, bit-exact, and torchvision 0.14
 * {@code Resize(size)} on a PIL image, which calls it.
 *
 * <p>Filtered resampling follows {@code src/libImaging/Resample.c}: per output pixel a window of source pixels
 * weighted by the filter, whose support is stretched by the scale factor when downsampling (antialiasing); the
 * weights are normalised to sum 1 in double, then converted to fixed point with {@code PRECISION_BITS} = 22
 * fractional bits (rounded half away from zero, {@code normalize_coeffs_8bpc}); each pass accumulates
 * {@code pixel · weight} in 32-bit integers starting from one half ({@code 1 << 21}) and clips
 * {@code sum >> 22} to 0..255 ({@code clip8}). The horizontal pass runs first and stores its result as 8-bit
 * pixels, then the vertical pass reads those ({@code ImagingResampleInner}); a pass whose size does not change
 * is skipped. {@link Filter#NEAREST} follows {@code _imaging.c resize} → {@code ImagingScaleAffine}
 * (accumulated double source coordinates, truncated). Same size returns a copy, as {@code Image.resize} does.
 */
public final class PilResize {
    /** Pillow's resampling filters ({@code Image.Resampling}) with their {@code Resample.c} support radius. */
    public enum Filter {
        NEAREST(0), BOX(0.5), BILINEAR(1), HAMMING(1), BICUBIC(2), LANCZOS(3);

        final double support;

        Filter(double support) {
            this.support = support;
        }
    }

    /** {@code PRECISION_BITS = 32 - 8 - 2} of Resample.c. */
    private static final int PRECISION_BITS = 22;

    private PilResize() {
    }

    /** {@code img.resize((width, height))}: Pillow's default filter for RGB images, BICUBIC. */
    public static RgbImage resize(RgbImage img, int width, int height) {
        return resize(img, width, height, Filter.BICUBIC);
    }

    /** {@code img.resize((width, height), filter)}. */
    public static RgbImage resize(RgbImage img, int width, int height, Filter filter) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("height and width must be > 0, got " + width + "x" + height);
        }
        if (width == img.width() && height == img.height()) {
            return img;
        }
        if (filter == Filter.NEAREST) {
            return nearest(img, width, height);
        }
        Plane p = new Plane(img.width(), img.height(), img.toHwcBytes());
        if (width != p.width) {
            p = horizontal(p, width, Coefficients.of(p.width, width, filter));
        }
        if (height != p.height) {
            p = vertical(p, height, Coefficients.of(p.height, height, filter));
        }
        return RgbImage.of(p.width, p.height, p.px);
    }

    /**
     * torchvision 0.14 {@code transforms.Resize(size, interpolation)} on a PIL image: the shorter side becomes
     * {@code size}, the longer one {@code int(size * long / short)} (truncated), then PIL {@code resize}.
     */
    public static RgbImage torchvisionResizeShorter(RgbImage img, int size, Filter filter) {
        if (size < 1) {
            throw new IllegalArgumentException("size must be positive, got " + size);
        }
        int w = img.width();
        int h = img.height();
        int shortSide = Math.min(w, h);
        int longSide = Math.max(w, h);
        // torchvision _compute_resized_output_size: int(requested_new_short * long / short), float division
        int newLong = (int) ((double) ((long) size * longSide) / shortSide);
        return w <= h ? resize(img, size, newLong, filter) : resize(img, newLong, size, filter);
    }

    // ---------------------------------------------------------------- filtered passes

    /** Interleaved RGB bytes of a working image. */
    private record Plane(int width, int height, byte[] px) {
    }

    /** Fixed-point weights of one pass: output i reads {@code len[i]} inputs from {@code start[i]}. */
    private record Coefficients(int[] start, int[] len, int[][] k) {

        /** Resample.c {@code precompute_coeffs} + {@code normalize_coeffs_8bpc} for the full-image box. */
        static Coefficients of(int inSize, int outSize, Filter filter) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = filter.support * filterScale;
            int[] start = new int[outSize];
            int[] len = new int[outSize];
            int[][] k = new int[outSize][];
            for (int xx = 0; xx < outSize; xx++) {
                double center = (xx + 0.5) * scale;
                // (int)(v + 0.5) truncates toward zero, as the C cast does
                int xmin = Math.max((int) (center - support + 0.5), 0);
                int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
                start[xx] = xmin;
                len[xx] = Math.max(xmax, 0);
                k[xx] = fixedPoint(weights(filter, xmin, len[xx], center, 1.0 / filterScale));
            }
            return new Coefficients(start, len, k);
        }

        private static double[] weights(Filter filter, int xmin, int n, double center, double ss) {
            double[] w = new double[n];
            double sum = 0;
            for (int x = 0; x < n; x++) {
                w[x] = kernel(filter, (x + xmin - center + 0.5) * ss);
                sum += w[x];
            }
            if (sum != 0.0) {
                for (int x = 0; x < n; x++) {
                    w[x] /= sum;
                }
            }
            return w;
        }

        private static int[] fixedPoint(double[] w) {
            int[] out = new int[w.length];
            for (int i = 0; i < w.length; i++) {
                double v = w[i] * (1 << PRECISION_BITS);
                out[i] = (int) (w[i] < 0 ? v - 0.5 : v + 0.5);
            }
            return out;
        }
    }

    private static Plane horizontal(Plane in, int outWidth, Coefficients c) {
        byte[] out = new byte[3 * outWidth * in.height];
        for (int y = 0; y < in.height; y++) {
            int rowIn = y * in.width * 3;
            int rowOut = y * outWidth * 3;
            for (int xx = 0; xx < outWidth; xx++) {
                int[] k = c.k[xx];
                int base = rowIn + c.start[xx] * 3;
                for (int ch = 0; ch < 3; ch++) {
                    int ss = 1 << (PRECISION_BITS - 1);
                    for (int x = 0; x < c.len[xx]; x++) {
                        ss += (in.px[base + x * 3 + ch] & 0xFF) * k[x];
                    }
                    out[rowOut + xx * 3 + ch] = clip8(ss);
                }
            }
        }
        return new Plane(outWidth, in.height, out);
    }

    private static Plane vertical(Plane in, int outHeight, Coefficients c) {
        int stride = in.width * 3;
        byte[] out = new byte[stride * outHeight];
        for (int yy = 0; yy < outHeight; yy++) {
            int[] k = c.k[yy];
            int base = c.start[yy] * stride;
            for (int i = 0; i < stride; i++) {
                int ss = 1 << (PRECISION_BITS - 1);
                for (int y = 0; y < c.len[yy]; y++) {
                    ss += (in.px[base + y * stride + i] & 0xFF) * k[y];
                }
                out[yy * stride + i] = clip8(ss);
            }
        }
        return new Plane(in.width, outHeight, out);
    }

    /** Resample.c {@code clip8}: the integer part of the fixed-point sum (arithmetic shift), clipped to 0..255. */
    private static byte clip8(int ss) {
        int v = ss >> PRECISION_BITS;
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }

    /** The filter functions of Resample.c (double precision, as there). */
    static double kernel(Filter f, double x) {
        return switch (f) {
            case BOX -> x > -0.5 && x <= 0.5 ? 1.0 : 0.0;
            case BILINEAR -> Math.max(0.0, 1.0 - Math.abs(x));
            case HAMMING -> hamming(Math.abs(x));
            case BICUBIC -> bicubic(Math.abs(x));
            case LANCZOS -> -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0;
            case NEAREST -> throw new IllegalArgumentException("NEAREST has no filter kernel");
        };
    }

    private static double bicubic(double x) {
        double a = -0.5;
        if (x < 1.0) {
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0.0;
    }

    private static double hamming(double x) {
        if (x == 0.0) {
            return 1.0;
        }
        if (x >= 1.0) {
            return 0.0;
        }
        double px = x * Math.PI;
        // Resample.c writes the constants as float literals (0.54f, 0.46f)
        return Math.sin(px) / px * (0.54f + 0.46f * Math.cos(px));
    }

    private static double sinc(double x) {
        if (x == 0.0) {
            return 1.0;
        }
        double px = x * Math.PI;
        return Math.sin(px) / px;
    }

    // ---------------------------------------------------------------- nearest

    /**
     * {@code ImagingScaleAffine} with {@code a = [in/out, 0, 0, 0, in/out, 0]}: the source coordinate starts at
     * half a step and is advanced by repeated addition (so rounding accumulates exactly as in Pillow).
     */
    private static RgbImage nearest(RgbImage img, int width, int height) {
        int[] xin = nearestIndices(img.width(), width);
        int[] yin = nearestIndices(img.height(), height);
        byte[] src = img.toHwcBytes();
        byte[] out = new byte[3 * width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                System.arraycopy(src, (yin[y] * img.width() + xin[x]) * 3, out, (y * width + x) * 3, 3);
            }
        }
        return RgbImage.of(width, height, out);
    }

    private static int[] nearestIndices(int inSize, int outSize) {
        double step = (double) (float) inSize / outSize;
        double pos = step * 0.5;
        int[] idx = new int[outSize];
        for (int i = 0; i < outSize; i++) {
            // COORD(v): negative → -1, else truncation; Pillow leaves out-of-range pixels unset, which a
            // full-image box never produces
            idx[i] = Math.min(pos < 0.0 ? 0 : (int) pos, inSize - 1);
            pos += step;
        }
        return idx;
    }
}
