package dev.xpsr.eval;

import dev.xpsr.io.RgbImage;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A side-by-side comparison figure: one row per photo, one column per method, each cell the same window of that
 * method's output, with the method's name above it and the photo's name at the start of the row.
 *
 * <p>Layout (pixels): every cell is {@code cell × cell} under a {@value #LABEL}-pixel label strip; cells are
 * separated and surrounded by {@value #GAP} pixels; rows are preceded by a {@value #ROW_LABEL}-pixel photo-name
 * strip. So the figure is {@code GAP + columns·(cell + GAP)} wide and {@code GAP + rows·(ROW_LABEL + LABEL + cell
 * + GAP)} high ({@link #width}, {@link #height}).
 */
public final class ComparisonGrid {
    /** Height of the method-name strip above each cell. */
    public static final int LABEL = 18;
    /** Height of the photo-name strip above each row. */
    public static final int ROW_LABEL = 18;
    /** Space between and around cells. */
    public static final int GAP = 6;

    /** One photo's images, in column order, all the same size. */
    public record Row(String name, List<RgbImage> images) {
        public Row {
            images = List.copyOf(images);
        }
    }

    private ComparisonGrid() {
    }

    /** Figure width for {@code columns} cells of side {@code cell}. */
    public static int width(int columns, int cell) {
        return GAP + columns * (cell + GAP);
    }

    /** Figure height for {@code rows} rows of cells of side {@code cell}. */
    public static int height(int rows, int cell) {
        return GAP + rows * (ROW_LABEL + LABEL + cell + GAP);
    }

    /**
     * Draws the figure.
     *
     * @param columns the column labels (method names)
     * @param rows    the photos; each row has one image per column, all of one size
     * @param cell    side of the square window shown, centred in each image (an image smaller than the cell is
     *                shown whole, stretched to the cell with nearest-neighbour)
     */
    public static BufferedImage draw(List<String> columns, List<Row> rows, int cell) {
        if (cell < 8 || columns.isEmpty() || rows.isEmpty()) {
            throw new IllegalArgumentException("a grid needs columns, rows and a cell of at least 8 pixels");
        }
        BufferedImage out = AwtImages.canvas(width(columns.size(), cell), height(rows.size(), cell));
        Graphics2D g = AwtImages.graphics(out, 12, false);
        // nearest-neighbour when a small image is stretched to the cell, so its pixels stay visible
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
        try {
            int y = GAP;
            for (Row row : rows) {
                if (row.images().size() != columns.size()) {
                    throw new IllegalArgumentException("row " + row.name() + " has " + row.images().size()
                            + " images for " + columns.size() + " columns");
                }
                g.setColor(Color.BLACK);
                g.drawString(AwtImages.fit(g, row.name(), out.getWidth() - 2 * GAP), GAP, y + ROW_LABEL - 5);
                y += ROW_LABEL;
                for (int c = 0; c < columns.size(); c++) {
                    int x = GAP + c * (cell + GAP);
                    g.setColor(Color.DARK_GRAY);
                    g.drawString(AwtImages.fit(g, columns.get(c), cell), x, y + LABEL - 5);
                    g.drawImage(window(row.images().get(c), cell), x, y + LABEL, cell, cell, null);
                }
                y += LABEL + cell + GAP;
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    /** Draws and writes the figure as a PNG (atomically). */
    public static void write(Path file, List<String> columns, List<Row> rows, int cell) throws IOException {
        AwtImages.writePng(file, draw(columns, rows, cell));
    }

    /** The centred {@code cell}-square window of {@code image}, or the whole image scaled to the cell. */
    private static BufferedImage window(RgbImage image, int cell) {
        if (image.width() >= cell && image.height() >= cell) {
            return AwtImages.toBuffered(image.crop((image.width() - cell) / 2, (image.height() - cell) / 2, cell,
                    cell));
        }
        return AwtImages.toBuffered(image);
    }
}
