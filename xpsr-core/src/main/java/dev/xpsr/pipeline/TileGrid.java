package dev.xpsr.pipeline;

import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * How the Tiled VAE cuts an image (or latent) into padded tiles and where each tile's valid part lands in the
 * output: vaehook's {@code split_tiles} and {@code crop_valid_region} (qyp2000/XPSR {@code myutils/vaehook.py}).
 *
 * <p>Per axis of length L, with tile size T and padding p (all in input units: pixels for the encoder, latent
 * pixels for the decoder): n = max(1, ⌈(L − 2p)/T⌉) tiles, the core size ⌈(L − 2p)/n⌉ rounded up to a multiple of
 * 32, 16, 8, 4 or 2 (the first that stays ≤ T), cores starting at p + j·core. A core reaches the image edge when
 * it starts at or before p (or ends at or after L − p); each core is then grown by p on both sides (clipped to the
 * image) to give the tile the network reads. Output boxes are the cores scaled by the network's factor f
 * (×f for the decoder, ÷f for the encoder). Tiles are listed row by row (y outer, x inner), as the reference does.
 */
final class TileGrid {
    /** A half-open box [y0, y1) × [x0, x1). */
    record Box(int y0, int y1, int x0, int x1) {
        int height() {
            return y1 - y0;
        }

        int width() {
            return x1 - x0;
        }
    }

    /** One tile: the padded box it reads from the input and the box its valid part fills in the output. */
    record Tile(Box input, Box output) {
    }

    /** One axis of one tile: the padded read range and the (unscaled) valid range. */
    private record Span(int inStart, int inEnd, int outStart, int outEnd) {
    }

    private final List<Tile> tiles;
    private final int factor;
    private final boolean upscale;

    private TileGrid(List<Tile> tiles, int factor, boolean upscale) {
        this.tiles = tiles;
        this.factor = factor;
        this.upscale = upscale;
    }

    /**
     * Splits a height × width input.
     *
     * @param factor  the network's scale between input and output (8 for SD's VAE)
     * @param upscale true for the decoder (output = input × factor), false for the encoder (output = input ÷ factor)
     */
    static TileGrid split(int height, int width, int tile, int pad, int factor, boolean upscale) {
        List<Span> rows = axis(height, tile, pad);
        List<Span> cols = axis(width, tile, pad);
        List<Tile> tiles = new ArrayList<>();
        for (Span r : rows) {
            for (Span c : cols) {
                Box in = new Box(r.inStart, r.inEnd, c.inStart, c.inEnd);
                Box out = new Box(scale(r.outStart, factor, upscale), scale(r.outEnd, factor, upscale),
                        scale(c.outStart, factor, upscale), scale(c.outEnd, factor, upscale));
                tiles.add(new Tile(in, out));
            }
        }
        return new TileGrid(List.copyOf(tiles), factor, upscale);
    }

    /** True when vaehook tiles an input of this size: max(H, W) > T + 2p (otherwise it runs the plain forward). */
    static boolean needsTiling(long height, long width, int tile, int pad) {
        return Math.max(height, width) > tile + 2L * pad;
    }

    List<Tile> tiles() {
        return tiles;
    }

    /** The valid part of a tile's network output (a view): the output box relative to the scaled input box. */
    Tensor crop(Tensor tileOutput, Tile tile) {
        int top = tile.output().y0() - scale(tile.input().y0(), factor, upscale);
        int left = tile.output().x0() - scale(tile.input().x0(), factor, upscale);
        return tileOutput.narrow(2, top, tile.output().height()).narrow(3, left, tile.output().width());
    }

    private static List<Span> axis(int length, int tile, int pad) {
        int count = Math.max(1, ceilDiv(length - 2 * pad, tile));
        // a tile thinner than 2·pad leaves no core; vaehook then ends with one tile spanning the whole axis
        int core = roundedCore(Math.max(0, ceilDiv(length - 2 * pad, count)), tile);
        List<Span> spans = new ArrayList<>();
        for (int j = 0; j < count; j++) {
            int start = pad + j * core;
            int end = Math.min(pad + (j + 1) * core, length);
            int outStart = start > pad ? start : 0;
            int outEnd = end < length - pad ? end : length;
            spans.add(new Span(Math.max(0, start - pad), Math.min(length, end + pad), outStart, outEnd));
        }
        return spans;
    }

    /** vaehook's {@code get_best_tile_size}: round up to a multiple of 32, 16, 8, 4 or 2 that stays ≤ the tile. */
    static int roundedCore(int lower, int upper) {
        for (int divider = 32; divider >= 2; divider /= 2) {
            int rest = lower % divider;
            if (rest == 0) {
                return lower;
            }
            int candidate = lower - rest + divider;
            if (candidate <= upper) {
                return candidate;
            }
        }
        return lower;
    }

    private static int scale(int v, int factor, boolean upscale) {
        return upscale ? v * factor : v / factor;
    }

    /** ⌈a / b⌉ for b > 0, also for negative a (as Python's math.ceil of a true division). */
    private static int ceilDiv(int a, int b) {
        return -Math.floorDiv(-a, b);
    }
}
