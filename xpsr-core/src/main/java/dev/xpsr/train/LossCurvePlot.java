package dev.xpsr.train;

import dev.xpsr.io.AtomicFiles;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Draws the loss curves ({@code loss}, {@code mse}, {@code dfc}) against the step as a PNG, with java.awt in
 * headless mode: a logarithmic value axis (the terms differ by orders of magnitude), min/max labels and a legend.
 */
final class LossCurvePlot {
    private static final int W = 900;
    private static final int H = 500;
    private static final int LEFT = 80;
    private static final int RIGHT = 20;
    private static final int TOP = 30;
    private static final int BOTTOM = 50;
    private static final String[] SERIES = {LossTerms.LOSS, LossTerms.MSE, LossTerms.DFC};
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c)};

    private LossCurvePlot() {
    }

    static void write(Path file, List<TrainingLog.Row> rows) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            draw(g, rows);
        } finally {
            g.dispose();
        }
        AtomicFiles.write(file, out -> ImageIO.write(img, "png", out));
    }

    private static void draw(Graphics2D g, List<TrainingLog.Row> rows) {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        long s0 = rows.get(0).step();
        long s1 = Math.max(rows.get(rows.size() - 1).step(), s0 + 1);
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (TrainingLog.Row r : rows) {
            for (String s : SERIES) {
                Double v = r.terms().get(s);
                if (v != null && v > 0 && Double.isFinite(v)) {
                    lo = Math.min(lo, Math.log10(v));
                    hi = Math.max(hi, Math.log10(v));
                }
            }
        }
        if (!Double.isFinite(lo)) {
            lo = -1;
            hi = 0;
        }
        if (hi - lo < 1e-6) {
            hi = lo + 1;
        }
        axes(g, s0, s1, lo, hi);
        for (int k = 0; k < SERIES.length; k++) {
            series(g, rows, SERIES[k], COLORS[k], s0, s1, lo, hi);
            g.setColor(COLORS[k]);
            g.fillRect(W - RIGHT - 120, TOP + 8 + 18 * k, 14, 4);
            g.setColor(Color.BLACK);
            g.drawString(SERIES[k], W - RIGHT - 100, TOP + 14 + 18 * k);
        }
    }

    private static void axes(Graphics2D g, long s0, long s1, double lo, double hi) {
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawRect(LEFT, TOP, W - LEFT - RIGHT, H - TOP - BOTTOM);
        g.drawString(Long.toString(s0), LEFT, H - BOTTOM + 16);
        String end = Long.toString(s1);
        g.drawString(end, W - RIGHT - g.getFontMetrics().stringWidth(end), H - BOTTOM + 16);
        g.drawString("step", (W - LEFT - RIGHT) / 2 + LEFT, H - 12);
        g.drawString(String.format(Locale.ROOT, "%.3g", Math.pow(10, hi)), 4, TOP + 10);
        g.drawString(String.format(Locale.ROOT, "%.3g", Math.pow(10, lo)), 4, H - BOTTOM);
        g.drawString("loss (log scale)", 4, TOP - 10);
    }

    private static void series(Graphics2D g, List<TrainingLog.Row> rows, String name, Color color, long s0, long s1,
                               double lo, double hi) {
        g.setColor(color);
        g.setStroke(new BasicStroke(1.5f));
        int px = -1;
        int py = -1;
        for (TrainingLog.Row r : rows) {
            Double v = r.terms().get(name);
            if (v == null || !(v > 0) || !Double.isFinite(v)) {
                continue;
            }
            int x = LEFT + (int) Math.round((double) (r.step() - s0) / (s1 - s0) * (W - LEFT - RIGHT));
            int y = H - BOTTOM - (int) Math.round((Math.log10(v) - lo) / (hi - lo) * (H - TOP - BOTTOM));
            if (px >= 0) {
                g.drawLine(px, py, x, y);
            } else {
                g.fillOval(x - 1, y - 1, 3, 3);
            }
            px = x;
            py = y;
        }
    }
}
