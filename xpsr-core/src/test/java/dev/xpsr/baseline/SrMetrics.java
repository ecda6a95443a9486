package dev.xpsr.baseline;

import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;

import java.nio.file.Path;

/** Quality figures for the baseline tests, computed in double from 8-bit images. */
final class SrMetrics {
    private SrMetrics() {
    }

    /** The data folder ({@code xpsr.data}, default {@code ../fixtures/data}). */
    static Path data() {
        return Path.of(System.getProperty("xpsr.data", "../fixtures/data"));
    }

    /** The ncnn model folder ({@code xpsr.models.ncnn}, default the fixtures' copy). */
    static Path ncnnModels() {
        return Path.of(System.getProperty("xpsr.models.ncnn", data().resolve("models/ncnn-realesrgan").toString()));
    }

    static RgbImage image(String relative) throws Exception {
        return ImageFiles.read(data().resolve(relative));
    }

    /**
     * BasicSR 1.4.2 {@code calculate_psnr(..., crop_border=shave, test_y_channel=True)}: Y of BT.601 studio-swing
     * YCbCr, Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255 on 0…255 values, unrounded, borders cropped.
     */
    static double psnrY(RgbImage a, RgbImage b, int shave) {
        double[] ya = luma(a);
        double[] yb = luma(b);
        double sum = 0;
        long n = 0;
        for (int y = shave; y < a.height() - shave; y++) {
            for (int x = shave; x < a.width() - shave; x++) {
                double d = ya[y * a.width() + x] - yb[y * a.width() + x];
                sum += d * d;
                n++;
            }
        }
        return 10 * Math.log10(255.0 * 255.0 / (sum / n));
    }

    /** PSNR over all RGB values (infinite for equal images). */
    static double psnrRgb(RgbImage a, RgbImage b) {
        byte[] pa = a.toHwcBytes();
        byte[] pb = b.toHwcBytes();
        double sum = 0;
        for (int i = 0; i < pa.length; i++) {
            double d = (pa[i] & 0xFF) - (pb[i] & 0xFF);
            sum += d * d;
        }
        return 10 * Math.log10(255.0 * 255.0 / (sum / pa.length));
    }

    /** Mean magnitude of the luma gradient (central differences, interior pixels): a sharpness figure. */
    static double meanGradient(RgbImage img) {
        double[] y = luma(img);
        int w = img.width();
        double sum = 0;
        long n = 0;
        for (int r = 1; r < img.height() - 1; r++) {
            for (int c = 1; c < w - 1; c++) {
                double gx = (y[r * w + c + 1] - y[r * w + c - 1]) / 2;
                double gy = (y[(r + 1) * w + c] - y[(r - 1) * w + c]) / 2;
                sum += Math.hypot(gx, gy);
                n++;
            }
        }
        return sum / n;
    }

    private static double[] luma(RgbImage img) {
        byte[] p = img.toHwcBytes();
        double[] y = new double[p.length / 3];
        for (int i = 0; i < y.length; i++) {
            y[i] = 16 + (65.481 * (p[3 * i] & 0xFF) + 128.553 * (p[3 * i + 1] & 0xFF) + 24.966 * (p[3 * i + 2] & 0xFF))
                    / 255.0;
        }
        return y;
    }
}
