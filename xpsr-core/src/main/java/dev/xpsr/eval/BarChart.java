package dev.xpsr.eval;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A bar chart of one metric's mean per method: methods along the x axis, one bar each from zero to the value,
 * the value printed on the bar, and the metric's better direction in the title (e.g. "niqe (lower is better)").
 * The best method's bar is orange, the others blue, reference bars grey.
 * The value axis spans zero and every finite value; an infinite value (PSNR of identical images) gets no bar,
 * only its label "inf".
 */
public final class BarChart {
    /** Figure width in pixels. */
    public static final int WIDTH = 720;
    /** Figure height in pixels. */
    public static final int HEIGHT = 420;
    private static final int TOP = 48;
    private static final int BOTTOM = 70;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final Color BAR = new Color(0x4C72B0);
    private static final Color BEST = new Color(0xDD8452);
    private static final Color REFERENCE = new Color(0xA0A0A0);

    /**
     * One bar.
     *
     * @param reference a bar for scale (e.g. the ground truth's own no-reference score): drawn grey and never
     *                  marked best
     */
    public record Bar(String label, double value, boolean reference) {
    }

    private BarChart() {
    }

    /**
     * Draws the chart.
     *
     * @param title          the metric (the direction is appended)
     * @param higherIsBetter the metric's direction; the best bar is drawn in another colour
     */
    public static BufferedImage draw(String title, boolean higherIsBetter, List<Bar> bars) {
        if (bars.isEmpty()) {
            throw new IllegalArgumentException("a bar chart of " + title + " needs at least one bar");
        }
        double lo = 0;
        double hi = 0;
        for (Bar b : bars) {
            if (Double.isFinite(b.value())) {
                lo = Math.min(lo, b.value());
                hi = Math.max(hi, b.value());
            }
        }
        if (hi == lo) {
            hi = lo + 1;
        }
        double best = bars.stream().filter(b -> !b.reference()).mapToDouble(Bar::value).filter(Double::isFinite)
                .reduce(higherIsBetter ? Math::max : Math::min).orElse(Double.NaN);
        BufferedImage img = AwtImages.canvas(WIDTH, HEIGHT);
        Graphics2D g = AwtImages.graphics(img, 16, true);
        try {
            g.setColor(Color.BLACK);
            String heading = title + " (" + (higherIsBetter ? "higher" : "lower") + " is better)";
            g.drawString(heading, (WIDTH - g.getFontMetrics().stringWidth(heading)) / 2, 28);
            g.setFont(g.getFont().deriveFont(java.awt.Font.PLAIN, 12f));
            axes(g, lo, hi);
            drawBars(g, bars, lo, hi, best);
        } finally {
            g.dispose();
        }
        return img;
    }

    /** Draws and writes the chart as a PNG (atomically). */
    public static void write(Path file, String title, boolean higherIsBetter, List<Bar> bars) throws IOException {
        AwtImages.writePng(file, draw(title, higherIsBetter, bars));
    }

    private static int yOf(double v, double lo, double hi) {
        int plotHeight = HEIGHT - TOP - BOTTOM;
        return TOP + (int) Math.round((hi - v) / (hi - lo) * plotHeight);
    }

    private static void axes(Graphics2D g, double lo, double hi) {
        g.setColor(Color.GRAY);
        g.setStroke(new BasicStroke(1f));
        g.drawLine(LEFT, TOP, LEFT, HEIGHT - BOTTOM);
        int zero = yOf(0, lo, hi);
        g.drawLine(LEFT, zero, WIDTH - RIGHT, zero);
        for (double v : new double[] {lo, hi, 0}) {
            String t = format(v);
            int y = yOf(v, lo, hi);
            g.drawString(t, LEFT - 6 - g.getFontMetrics().stringWidth(t), y + 4);
            g.drawLine(LEFT - 3, y, LEFT, y);
        }
    }

    private static void drawBars(Graphics2D g, List<Bar> bars, double lo, double hi, double best) {
        int slot = (WIDTH - LEFT - RIGHT) / bars.size();
        int width = Math.max(4, slot * 3 / 5);
        int zero = yOf(0, lo, hi);
        for (int i = 0; i < bars.size(); i++) {
            Bar b = bars.get(i);
            int x = LEFT + i * slot + (slot - width) / 2;
            int labelY = zero - 4;
            if (Double.isFinite(b.value())) {
                int y = yOf(b.value(), lo, hi);
                g.setColor(b.reference() ? REFERENCE : b.value() == best ? BEST : BAR);
                g.fillRect(x, Math.min(y, zero), width, Math.max(1, Math.abs(zero - y)));
                labelY = Math.min(y, zero) - 4;
            }
            g.setColor(Color.BLACK);
            String value = format(b.value());
            g.drawString(value, x + (width - g.getFontMetrics().stringWidth(value)) / 2, Math.max(TOP - 2, labelY));
            String label = AwtImages.fit(g, b.label(), slot - 4);
            g.drawString(label, LEFT + i * slot + (slot - g.getFontMetrics().stringWidth(label)) / 2,
                    HEIGHT - BOTTOM + 18);
        }
    }

    private static String format(double v) {
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.4f", v);
    }
}
