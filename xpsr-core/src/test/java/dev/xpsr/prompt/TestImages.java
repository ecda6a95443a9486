package dev.xpsr.prompt;

import dev.xpsr.io.ImageFileException;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Random;

/**
 * Test photos and known degradations in plain Java: the real photos of {@code fixtures/data/images/hr} shrunk to
 * test size, Gaussian blur, additive Gaussian noise, JPEG through ImageIO's encoder, and box down/up-scaling.
 */
public final class TestImages {
    static final int SIDE = 256;

    private TestImages() {
    }

    static Path hrFolder() {
        return Path.of(System.getProperty("xpsr.data", "../fixtures/data")).resolve("images/hr");
    }

    /** A photo, box-downscaled by the largest integer factor keeping both sides ≥ SIDE, then centre-cropped. */
    static RgbImage photo(String file) {
        try {
            RgbImage full = ImageFiles.read(hrFolder().resolve(file));
            int factor = Math.max(1, Math.min(full.width(), full.height()) / SIDE);
            RgbImage small = boxDownscale(full, factor);
            return small.crop((small.width() - SIDE) / 2, (small.height() - SIDE) / 2, SIDE, SIDE);
        } catch (ImageFileException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Mean of each factor × factor block (what an area resize does for integer factors). */
    public static RgbImage boxDownscale(RgbImage in, int factor) {
        int w = in.width() / factor;
        int h = in.height() / factor;
        byte[] src = in.toHwcBytes();
        byte[] out = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    int sum = 0;
                    for (int dy = 0; dy < factor; dy++) {
                        for (int dx = 0; dx < factor; dx++) {
                            sum += src[((y * factor + dy) * in.width() + x * factor + dx) * 3 + c] & 0xFF;
                        }
                    }
                    out[(y * w + x) * 3 + c] = (byte) Math.round((float) sum / (factor * factor));
                }
            }
        }
        return RgbImage.of(w, h, out);
    }

    /** Separable Gaussian blur with standard deviation {@code sigma} pixels, borders clamped; σ = 0 is a copy. */
    static RgbImage gaussianBlur(RgbImage in, double sigma) {
        if (sigma == 0) {
            return in;
        }
        int radius = (int) Math.ceil(3 * sigma);
        double[] k = new double[2 * radius + 1];
        double total = 0;
        for (int i = -radius; i <= radius; i++) {
            k[i + radius] = Math.exp(-i * i / (2 * sigma * sigma));
            total += k[i + radius];
        }
        for (int i = 0; i < k.length; i++) {
            k[i] /= total;
        }
        int w = in.width();
        int h = in.height();
        double[] planes = toDoubles(in);
        double[] tmp = new double[planes.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    double s = 0;
                    for (int i = -radius; i <= radius; i++) {
                        int xx = Math.max(0, Math.min(w - 1, x + i));
                        s += k[i + radius] * planes[(y * w + xx) * 3 + c];
                    }
                    tmp[(y * w + x) * 3 + c] = s;
                }
            }
        }
        double[] out = new double[planes.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    double s = 0;
                    for (int i = -radius; i <= radius; i++) {
                        int yy = Math.max(0, Math.min(h - 1, y + i));
                        s += k[i + radius] * tmp[(yy * w + x) * 3 + c];
                    }
                    out[(y * w + x) * 3 + c] = s;
                }
            }
        }
        return fromDoubles(w, h, out);
    }

    /** Adds N(0, σ²) grey-level noise independently to every channel, rounds and clips; fixed seed. */
    static RgbImage gaussianNoise(RgbImage in, double sigma, long seed) {
        Random random = new Random(seed);
        double[] v = toDoubles(in);
        for (int i = 0; i < v.length; i++) {
            v[i] += sigma * random.nextGaussian();
        }
        return fromDoubles(in.width(), in.height(), v);
    }

    /** Encodes with the JDK's JPEG writer at {@code quality} (1..100) and decodes again. */
    static RgbImage jpeg(RgbImage in, int quality) {
        try {
            BufferedImage bi = new BufferedImage(in.width(), in.height(), BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < in.height(); y++) {
                for (int x = 0; x < in.width(); x++) {
                    bi.setRGB(x, y, in.get(x, y, 0) << 16 | in.get(x, y, 1) << 8 | in.get(x, y, 2));
                }
            }
            ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
                ImageWriteParam param = writer.getDefaultWriteParam();
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionQuality(quality / 100f);
                writer.setOutput(out);
                writer.write(null, new IIOImage(bi, null, null), param);
            } finally {
                writer.dispose();
            }
            BufferedImage decoded = ImageIO.read(new MemoryCacheImageInputStream(
                    new ByteArrayInputStream(bytes.toByteArray())));
            byte[] px = new byte[in.width() * in.height() * 3];
            for (int y = 0; y < in.height(); y++) {
                for (int x = 0; x < in.width(); x++) {
                    int rgb = decoded.getRGB(x, y);
                    int i = (y * in.width() + x) * 3;
                    px[i] = (byte) (rgb >> 16);
                    px[i + 1] = (byte) (rgb >> 8);
                    px[i + 2] = (byte) rgb;
                }
            }
            return RgbImage.of(in.width(), in.height(), px);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Box-downscales by {@code factor} and scales back up with bilinear interpolation (a low-resolution look). */
    static RgbImage downUp(RgbImage in, int factor) {
        if (factor == 1) {
            return in;
        }
        RgbImage small = boxDownscale(in, factor);
        int w = small.width() * factor;
        int h = small.height() * factor;
        double[] out = new double[w * h * 3];
        for (int y = 0; y < h; y++) {
            double sy = Math.max(0, Math.min(small.height() - 1, (y + 0.5) / factor - 0.5));
            int y0 = (int) sy;
            int y1 = Math.min(small.height() - 1, y0 + 1);
            for (int x = 0; x < w; x++) {
                double sx = Math.max(0, Math.min(small.width() - 1, (x + 0.5) / factor - 0.5));
                int x0 = (int) sx;
                int x1 = Math.min(small.width() - 1, x0 + 1);
                for (int c = 0; c < 3; c++) {
                    double top = small.get(x0, y0, c) * (1 - (sx - x0)) + small.get(x1, y0, c) * (sx - x0);
                    double bottom = small.get(x0, y1, c) * (1 - (sx - x0)) + small.get(x1, y1, c) * (sx - x0);
                    out[(y * w + x) * 3 + c] = top * (1 - (sy - y0)) + bottom * (sy - y0);
                }
            }
        }
        return fromDoubles(w, h, out);
    }

    /** Scales every channel by its factor (a white-balance error), rounds and clips. */
    static RgbImage tint(RgbImage in, double r, double g, double b) {
        double[] v = toDoubles(in);
        double[] gains = {r, g, b};
        for (int i = 0; i < v.length; i++) {
            v[i] *= gains[i % 3];
        }
        return fromDoubles(in.width(), in.height(), v);
    }

    /** Applies {@code out = 255 · (in/255)^gamma · gain} to every channel (exposure changes). */
    static RgbImage tone(RgbImage in, double gamma, double gain) {
        double[] v = toDoubles(in);
        for (int i = 0; i < v.length; i++) {
            v[i] = 255 * Math.pow(v[i] / 255, gamma) * gain;
        }
        return fromDoubles(in.width(), in.height(), v);
    }

    /** Pulls every channel towards mid-grey: {@code out = 128 + k (in − 128)}. */
    static RgbImage contrast(RgbImage in, double k) {
        double[] v = toDoubles(in);
        for (int i = 0; i < v.length; i++) {
            v[i] = 128 + k * (v[i] - 128);
        }
        return fromDoubles(in.width(), in.height(), v);
    }

    private static double[] toDoubles(RgbImage in) {
        byte[] b = in.toHwcBytes();
        double[] v = new double[b.length];
        for (int i = 0; i < b.length; i++) {
            v[i] = b[i] & 0xFF;
        }
        return v;
    }

    private static RgbImage fromDoubles(int w, int h, double[] v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) Math.max(0, Math.min(255, Math.round(v[i])));
        }
        return RgbImage.of(w, h, b);
    }
}
