package dev.xpsr.pipeline;

import java.util.ArrayList;
import java.util.List;

/**
 * The latent tile grid of XPSR's pipeline ({@code pipeline_xpsr.py}, tiled branch of {@code __call__}): square
 * tiles of side {@code min(tile, h, w)} with stride {@code tile − overlap}; the last tile of each row and column
 * is snapped to the border. Tiles are listed in the reference's order: {@code row} walks x (width) in the outer
 * loop, {@code col} walks y (height) in the inner loop.
 */
public final class LatentTiles {
    /** One tile: its top-left corner in latent pixels and its side. */
    public record Tile(int x, int y, int size) {
    }

    private LatentTiles() {
    }

    /** Whether XPSR tiles a latent of this size: only when h·w exceeds the tile's area. */
    public static boolean needed(int h, int w, int tileSize) {
        return (long) h * w > (long) tileSize * tileSize;
    }

    public static List<Tile> grid(int h, int w, int tileSize, int overlap) {
        int tile = Math.min(tileSize, Math.min(h, w));
        int rows = count(w, tile, overlap);
        int cols = count(h, tile, overlap);
        List<Tile> tiles = new ArrayList<>(rows * cols);
        for (int row = 0; row < rows; row++) {
            for (int col = 0; col < cols; col++) {
                int x = row == rows - 1 ? w - tile : Math.max(row * tile - overlap * row, 0);
                int y = col == cols - 1 ? h - tile : Math.max(col * tile - overlap * col, 0);
                tiles.add(new Tile(x, y, tile));
            }
        }
        return tiles;
    }

    /** The reference's while-loop: how many tiles of stride tile − overlap it takes to pass {@code extent}. */
    private static int count(int extent, int tile, int overlap) {
        int n = 0;
        int end = 0;
        while (end < extent) {
            end = Math.max(n * tile - overlap * n, 0) + tile;
            n++;
        }
        return n;
    }
}
