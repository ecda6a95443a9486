package dev.xpsr.baseline;

import java.util.ArrayList;
import java.util.List;

/**
 * The tiles of Real-ESRGAN's {@code RealESRGANer.tile_process} (realesrgan/utils.py): the input is cut into
 * {@code ⌈W/tile⌉ × ⌈H/tile⌉} tiles of {@code tile × tile} pixels (smaller at the right and bottom edges), row by
 * row; each is run with {@code pad} extra pixels of context on every side (clipped to the image), and only the
 * network output of the tile proper is kept, so neighbouring tiles meet without visible seams.
 *
 * @param tile tile side in input pixels, at least 1
 * @param pad  context pixels around each tile, at least 0
 */
public record TileGrid(int tile, int pad) {
    /**
     * One tile.
     *
     * @param x  left of the tile proper in the input
     * @param y  top of the tile proper in the input
     * @param w  width of the tile proper
     * @param h  height of the tile proper
     * @param px left of the padded region read from the input
     * @param py top of the padded region
     * @param pw width of the padded region
     * @param ph height of the padded region
     */
    public record Tile(int x, int y, int w, int h, int px, int py, int pw, int ph) {
    }

    public TileGrid {
        if (tile < 1 || pad < 0) {
            throw new IllegalArgumentException("tile must be ≥ 1 and pad ≥ 0, got tile " + tile + ", pad " + pad);
        }
    }

    /** The tiles of a {@code width × height} input, row by row. */
    public List<Tile> tiles(int width, int height) {
        List<Tile> out = new ArrayList<>();
        for (int y = 0; y < height; y += tile) {
            for (int x = 0; x < width; x += tile) {
                int x1 = Math.min(x + tile, width);
                int y1 = Math.min(y + tile, height);
                int px = Math.max(x - pad, 0);
                int py = Math.max(y - pad, 0);
                int pw = Math.min(x1 + pad, width) - px;
                int ph = Math.min(y1 + pad, height) - py;
                out.add(new Tile(x, y, x1 - x, y1 - y, px, py, pw, ph));
            }
        }
        return out;
    }
}
