package dev.xpsr.eval;

import dev.xpsr.io.AtomicFiles;
import dev.xpsr.io.RgbImage;

import javax.imageio.ImageIO;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The java.awt side of the report figures: headless drawing surfaces, {@link RgbImage} → {@link BufferedImage},
 * and atomic PNG writes. Everything runs without a display ({@code java.awt.headless} is set before the first
 * AWT class is used).
 */
final class AwtImages {
    static {
        // figures are drawn on servers and in tests: never try to reach a display
        System.setProperty("java.awt.headless", "true");
    }

    private AwtImages() {
    }

    /** A white RGB canvas with antialiased text. */
    static BufferedImage canvas(int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(java.awt.Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.dispose();
        return img;
    }

    /** A graphics context on {@code img} with antialiasing and the given font size (sans-serif). */
    static Graphics2D graphics(BufferedImage img, int fontSize, boolean bold) {
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setFont(new Font(Font.SANS_SERIF, bold ? Font.BOLD : Font.PLAIN, fontSize));
        return g;
    }

    /** The pixels of {@code image} as an RGB BufferedImage. */
    static BufferedImage toBuffered(RgbImage image) {
        BufferedImage out = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
        byte[] px = image.toHwcBytes();
        int[] rgb = new int[image.width() * image.height()];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (px[3 * i] & 0xFF) << 16 | (px[3 * i + 1] & 0xFF) << 8 | (px[3 * i + 2] & 0xFF);
        }
        out.setRGB(0, 0, image.width(), image.height(), rgb, 0, image.width());
        return out;
    }

    /** Writes {@code img} as a PNG, atomically. */
    static void writePng(Path file, BufferedImage img) throws IOException {
        AtomicFiles.write(file, out -> {
            if (!ImageIO.write(img, "png", out)) {
                throw new IOException("no PNG writer for " + file);
            }
        });
    }

    /** {@code text} shortened with "…" to fit {@code width} pixels in the current font. */
    static String fit(Graphics2D g, String text, int width) {
        if (g.getFontMetrics().stringWidth(text) <= width) {
            return text;
        }
        String t = text;
        while (!t.isEmpty() && g.getFontMetrics().stringWidth(t + "…") > width) {
            t = t.substring(0, t.length() - 1);
        }
        return t + "…";
    }
}
