package dev.xpsr.baseline;

/**
 * When and how a network upscaler cuts its input into tiles ({@link TileGrid}).
 *
 * <p>With a memory budget, the tile side is the largest whose padded tile fits: a network's blobs grow with the
 * input's pixel count, so the peak is {@code bytesPerPixel · (tile + 2·pad)²}, where {@code bytesPerPixel} is
 * measured once per network ({@link LayerGraph#probe} on a small probe) and doubled to cover what the
 * measurement leaves out (padded copies and convolution workspaces inside a layer, the output canvas). An input
 * that fits whole is not tiled, so small images give exactly the untiled result.
 *
 * @param fixedTile    tile side in input pixels, or 0 to derive it from the budget
 * @param pad          context pixels around each tile (Real-ESRGAN's {@code tile_pad}, 10 by default)
 * @param budgetBytes  memory the network's activations may use; {@code Long.MAX_VALUE} for no limit
 */
public record Tiling(int fixedTile, int pad, long budgetBytes) {
    /** Real-ESRGAN's default {@code tile_pad}. */
    public static final int DEFAULT_PAD = 10;
    /** Default activation memory budget: 2 GiB. */
    public static final long DEFAULT_BUDGET = 2L << 30;
    /** Measured live-blob bytes are multiplied by this to bound a tile's real peak. */
    static final double WORKSPACE_FACTOR = 2.0;
    private static final int MIN_TILE = 16;

    public Tiling {
        if (fixedTile < 0 || pad < 0 || budgetBytes < 1) {
            throw new IllegalArgumentException("tile " + fixedTile + ", pad " + pad + ", budget " + budgetBytes);
        }
    }

    /** Never tile (Real-ESRGAN's {@code --tile 0}). */
    public static Tiling none() {
        return new Tiling(0, 0, Long.MAX_VALUE);
    }

    /** Tiles of a fixed side with the given context ({@code --tile N --tile_pad P}). */
    public static Tiling fixed(int tile, int pad) {
        if (tile < 1) {
            throw new IllegalArgumentException("tile must be at least 1, got " + tile);
        }
        return new Tiling(tile, pad, Long.MAX_VALUE);
    }

    /** Tiles as large as {@code budgetBytes} of activations allow, with {@code pad} pixels of context. */
    public static Tiling withinMemory(long budgetBytes, int pad) {
        return new Tiling(0, pad, budgetBytes);
    }

    /**
     * The grid for a {@code width × height} input, or {@code null} to run it whole.
     *
     * @param bytesPerPixel the network's measured live-blob bytes per input pixel
     * @throws IllegalArgumentException if the budget does not allow a tile of {@value #MIN_TILE} pixels
     */
    public TileGrid gridFor(int width, int height, double bytesPerPixel) {
        if (fixedTile > 0) {
            return fixedTile >= Math.max(width, height) ? null : new TileGrid(fixedTile, pad);
        }
        double perPixel = bytesPerPixel * WORKSPACE_FACTOR;
        if (budgetBytes == Long.MAX_VALUE || (double) width * height * perPixel <= budgetBytes) {
            return null;
        }
        int side = (int) Math.floor(Math.sqrt(budgetBytes / perPixel)) - 2 * pad;
        if (side < MIN_TILE) {
            long needed = (long) Math.ceil(Math.pow(MIN_TILE + 2.0 * pad, 2) * perPixel);
            throw new IllegalArgumentException("a memory budget of " + budgetBytes + " bytes is too small for this"
                    + " network: a " + MIN_TILE + "-pixel tile with " + pad + " pixels of context needs " + needed);
        }
        return new TileGrid(side, pad);
    }
}
