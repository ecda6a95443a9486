package dev.xpsr.io;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.PackedColorModel;
import java.awt.image.Raster;

/**
 * Decoded ImageIO rasters to 8-bit RGB exactly as Pillow 9.4's {@code Image.open(p).convert("RGB")} gives them.
 *
 * <p>Raw samples are used, never {@code BufferedImage.getRGB} (which colour-manages embedded ICC profiles;
 * Pillow does not). The rules, from Pillow's PNG/JPEG plugins ({@code _MODES}, raw modes) and
 * {@code libImaging/Convert.c}:
 * <ul>
 *   <li>grey (1/2/4/8 bit) → R = G = B; palette → palette RGB (transparency ignored); alpha dropped without
 *       compositing;</li>
 *   <li>16-bit RGB, RGBA and grey+alpha → the most significant byte ({@code RGB;16B}, {@code LA;16B} unpackers);
 *       </li>
 *   <li>16-bit grey without alpha → Pillow mode {@code I}, whose {@code i2rgb} <b>clips</b> to 0..255
 *       (so a typical 16-bit grey photo comes out almost white — Pillow's own behaviour, reproduced);</li>
 *   <li>CMYK → {@code cmyk2rgb}: {@code R = 255−K − C·(255−K)/255} with Pillow's {@code MULDIV255} rounding.</li>
 * </ul>
 */
final class PilRgb {
    private PilRgb() {
    }

    /** How a PNG declared its pixels (IHDR), which decides Pillow's mode; null for other formats. */
    record PngHeader(String colorType, int bitDepth) {
        /** Pillow opens 16-bit greyscale PNGs (tRNS or not) as mode "I". */
        boolean pilIntegerGrey() {
            return bitDepth == 16 && colorType.equals("Grayscale");
        }
    }

    /** The image as HWC RGB bytes. */
    static byte[] toRgb(BufferedImage image, PngHeader png) throws UnsupportedImage {
        ColorModel cm = image.getColorModel();
        Raster raster = image.getRaster();
        if (cm instanceof IndexColorModel icm) {
            return fromPalette(raster, icm);
        }
        if (cm instanceof ComponentColorModel) {
            return fromComponents(raster, cm, png);
        }
        if (cm instanceof PackedColorModel) {
            return fromPacked(raster, cm);
        }
        throw new UnsupportedImage("colour model " + cm.getClass().getSimpleName() + " is not supported");
    }

    /** A decoded image this class cannot convert. */
    static final class UnsupportedImage extends Exception {
        UnsupportedImage(String message) {
            super(message);
        }
    }

    private static byte[] fromPalette(Raster r, IndexColorModel icm) {
        int w = r.getWidth();
        int h = r.getHeight();
        byte[] out = new byte[3 * w * h];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            r.getSamples(0, y, w, 1, 0, row);
            for (int x = 0; x < w; x++) {
                int o = (y * w + x) * 3;
                out[o] = (byte) icm.getRed(row[x]);
                out[o + 1] = (byte) icm.getGreen(row[x]);
                out[o + 2] = (byte) icm.getBlue(row[x]);
            }
        }
        return out;
    }

    private static byte[] fromComponents(Raster r, ColorModel cm, PngHeader png) throws UnsupportedImage {
        int type = r.getTransferType();
        if (type != DataBuffer.TYPE_BYTE && type != DataBuffer.TYPE_USHORT) {
            throw new UnsupportedImage("samples of " + cm.getComponentSize(0) + " bits (data type " + type
                    + ") are not supported; 8- and 16-bit images are");
        }
        boolean sixteen = type == DataBuffer.TYPE_USHORT;
        int space = cm.getColorSpace().getType();
        boolean integerGrey = sixteen && space == ColorSpace.TYPE_GRAY
                && (png != null ? png.pilIntegerGrey() : cm.getNumComponents() == 1);
        return switch (space) {
            case ColorSpace.TYPE_GRAY -> channels(r, new int[] {0, 0, 0}, sixteen, integerGrey);
            case ColorSpace.TYPE_RGB -> channels(r, new int[] {0, 1, 2}, sixteen, false);
            case ColorSpace.TYPE_CMYK -> cmykToRgb(channelBytes(r, 4, sixteen), r.getWidth() * r.getHeight());
            default -> throw new UnsupportedImage("colour space type " + space + " is not supported");
        };
    }

    /** Output channel c takes band {@code bands[c]}, reduced to 8 bits as Pillow does. */
    private static byte[] channels(Raster r, int[] bands, boolean sixteen, boolean integerGrey) {
        int w = r.getWidth();
        int h = r.getHeight();
        byte[] out = new byte[3 * w * h];
        int[] row = new int[w];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                r.getSamples(0, y, w, 1, bands[c], row);
                for (int x = 0; x < w; x++) {
                    out[(y * w + x) * 3 + c] = (byte) to8(row[x], sixteen, integerGrey);
                }
            }
        }
        return out;
    }

    private static int to8(int v, boolean sixteen, boolean integerGrey) {
        if (!sixteen) {
            return v;
        }
        // Convert.c i2rgb clips mode "I" values; the 16-bit raw modes (RGB;16B, LA;16B) keep the high byte
        return integerGrey ? Math.min(v, 255) : v >> 8;
    }

    /** The first {@code n} bands as interleaved 8-bit samples. */
    private static byte[] channelBytes(Raster r, int n, boolean sixteen) {
        int w = r.getWidth();
        int h = r.getHeight();
        byte[] out = new byte[n * w * h];
        int[] row = new int[w];
        for (int b = 0; b < n; b++) {
            for (int y = 0; y < h; y++) {
                r.getSamples(0, y, w, 1, b, row);
                for (int x = 0; x < w; x++) {
                    out[(y * w + x) * n + b] = (byte) (sixteen ? row[x] >> 8 : row[x]);
                }
            }
        }
        return out;
    }

    private static byte[] fromPacked(Raster r, ColorModel cm) {
        int w = r.getWidth();
        int h = r.getHeight();
        byte[] out = new byte[3 * w * h];
        Object pixel = null;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                pixel = r.getDataElements(x, y, pixel);
                int o = (y * w + x) * 3;
                out[o] = (byte) cm.getRed(pixel);
                out[o + 1] = (byte) cm.getGreen(pixel);
                out[o + 2] = (byte) cm.getBlue(pixel);
            }
        }
        return out;
    }

    /**
     * Pillow {@code cmyk2rgb} on interleaved C, M, Y, K bytes (ink amounts, Pillow's "CMYK" mode):
     * {@code R = clip(nk − MULDIV255(C, nk))} with {@code nk = 255 − K}.
     */
    static byte[] cmykToRgb(byte[] cmyk, int pixels) {
        byte[] out = new byte[3 * pixels];
        for (int i = 0; i < pixels; i++) {
            int nk = 255 - (cmyk[i * 4 + 3] & 0xFF);
            for (int c = 0; c < 3; c++) {
                int v = nk - mulDiv255(cmyk[i * 4 + c] & 0xFF, nk);
                out[i * 3 + c] = (byte) Math.max(0, Math.min(255, v));
            }
        }
        return out;
    }

    /** Pillow's {@code MULDIV255(a, b)}: a·b/255 rounded, computed as {@code ((t >> 8) + t) >> 8}, t = a·b + 128. */
    private static int mulDiv255(int a, int b) {
        int t = a * b + 128;
        return ((t >> 8) + t) >> 8;
    }

    /**
     * A 4-component JPEG's raw samples to RGB as Pillow decodes it: libjpeg turns YCCK (Adobe transform 2) into
     * CMYK, Pillow reads CMYK JPEGs with raw mode {@code CMYK;I} (inverted, the Adobe convention, assumed for every
     * 4-component JPEG), then {@link #cmykToRgb}.
     *
     * @param raw  interleaved 4-sample pixels as stored in the file
     * @param ycck whether the samples are YCCK (Adobe APP14 transform 2)
     */
    static byte[] jpegCmykToRgb(byte[] raw, int pixels, boolean ycck) {
        byte[] cmyk = raw.clone();
        if (ycck) {
            Ycc.ycckToCmyk(cmyk, pixels);
        }
        for (int i = 0; i < cmyk.length; i++) {
            cmyk[i] = (byte) (255 - (cmyk[i] & 0xFF));
        }
        return cmykToRgb(cmyk, pixels);
    }

    /** libjpeg's {@code jdcolor.c} YCC → RGB tables (16 fractional bits), used for YCCK → CMYK. */
    private static final class Ycc {
        private static final int SCALEBITS = 16;
        private static final int ONE_HALF = 1 << (SCALEBITS - 1);
        private static final int[] CR_R = new int[256];
        private static final int[] CB_B = new int[256];
        private static final int[] CR_G = new int[256];
        private static final int[] CB_G = new int[256];

        static {
            for (int i = 0; i < 256; i++) {
                int x = i - 128;
                CR_R[i] = (fix(1.40200) * x + ONE_HALF) >> SCALEBITS;
                CB_B[i] = (fix(1.77200) * x + ONE_HALF) >> SCALEBITS;
                CR_G[i] = -fix(0.71414) * x;
                CB_G[i] = -fix(0.34414) * x + ONE_HALF;
            }
        }

        private static int fix(double v) {
            return (int) (v * (1 << SCALEBITS) + 0.5);
        }

        /** {@code ycck_cmyk_convert}: C, M, Y = 255 − (R, G, B of the YCC triple), clipped; K unchanged. */
        static void ycckToCmyk(byte[] px, int pixels) {
            for (int i = 0; i < pixels; i++) {
                int o = i * 4;
                int y = px[o] & 0xFF;
                int cb = px[o + 1] & 0xFF;
                int cr = px[o + 2] & 0xFF;
                px[o] = clip(255 - (y + CR_R[cr]));
                px[o + 1] = clip(255 - (y + ((CB_G[cb] + CR_G[cr]) >> SCALEBITS)));
                px[o + 2] = clip(255 - (y + CB_B[cb]));
            }
        }

        private static byte clip(int v) {
            return (byte) Math.max(0, Math.min(255, v));
        }
    }
}
