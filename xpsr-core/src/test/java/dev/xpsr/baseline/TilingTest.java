package dev.xpsr.baseline;

import dev.xpsr.io.RgbImage;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Real-ESRGAN's tile/tile_pad processing and the memory-bounded choice of the tile size. */
class TilingTest {
    @Test
    void tilesFollowRealEsrgansTileProcess() {
        List<TileGrid.Tile> tiles = new TileGrid(4, 1).tiles(10, 7);
        // ⌈10/4⌉ × ⌈7/4⌉ = 3 × 2 tiles, row by row; edges clipped; context clipped to the image
        assertThat(tiles).hasSize(6);
        assertThat(tiles.get(0)).isEqualTo(new TileGrid.Tile(0, 0, 4, 4, 0, 0, 5, 5));
        assertThat(tiles.get(2)).isEqualTo(new TileGrid.Tile(8, 0, 2, 4, 7, 0, 3, 5));
        assertThat(tiles.get(4)).isEqualTo(new TileGrid.Tile(4, 4, 4, 3, 3, 3, 6, 4));
    }

    @Test
    void choosesTheLargestTileTheBudgetAllows() {
        // 100 B/pixel measured, doubled for workspaces: 200 B/pixel
        Tiling budget = Tiling.withinMemory(200L * 100 * 100, 10);
        assertThat(budget.gridFor(100, 100, 100)).as("fits whole").isNull();
        assertThat(budget.gridFor(101, 100, 100)).isEqualTo(new TileGrid(80, 10));
        assertThatThrownBy(() -> Tiling.withinMemory(200L * 30 * 30, 10).gridFor(500, 500, 100))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too small");
        assertThat(Tiling.fixed(64, 10).gridFor(100, 50, 1e9)).isEqualTo(new TileGrid(64, 10));
        assertThat(Tiling.fixed(128, 10).gridFor(100, 50, 1e9)).isNull();
        assertThat(Tiling.none().gridFor(100_000, 100_000, 1e9)).isNull();
    }

    @Test
    void tilesWithContextCoveringTheReceptiveFieldGiveTheUntiledResult() throws Exception {
        // realesr-animevideov3-x4 has 18 3x3 convolutions at the input resolution: 18 pixels of context suffice
        NetworkUpscaler whole = RealEsrganModels.load(SrMetrics.ncnnModels(), "realesr-animevideov3-x4",
                Tiling.none());
        NetworkUpscaler tiled = whole.withTiling(Tiling.fixed(24, 18));
        RgbImage lr = SrMetrics.image("images/sr_pairs/butterfly_set5_LRx4_matlab-bicubic_64.png");
        try (AutoCloseable mode = Torch.inferenceMode(); PointerScope scope = new PointerScope()) {
            Tensor x = PixelRange.UNIT.toTensor(lr);
            double diff = Torch.maxAbsDiff(tiled.forward(x), whole.forward(x));
            System.out.printf("animevideov3, 3x3 tiles of 24 + 18 vs whole: max |diff| %.2e%n", diff);
            assertThat(diff).isLessThan(1e-4);
        }
    }

    @Test
    void aMemoryBudgetCutsTheImageAndBoundsEachTile() throws Exception {
        NetworkUpscaler whole = RealEsrganModels.load(SrMetrics.ncnnModels(), "realesrgan-x4fast", Tiling.none());
        long budget = (long) (whole.bytesPerPixel() * Tiling.WORKSPACE_FACTOR * 40 * 40);
        NetworkUpscaler bounded = whole.withTiling(Tiling.withinMemory(budget, Tiling.DEFAULT_PAD));
        RgbImage lr = SrMetrics.image("images/sr_pairs/butterfly_set5_LRx4_matlab-bicubic_64.png");
        TileGrid grid = bounded.tiling().gridFor(64, 64, whole.bytesPerPixel());
        assertThat(grid).isEqualTo(new TileGrid(20, 10));
        try (AutoCloseable mode = Torch.inferenceMode(); PointerScope scope = new PointerScope()) {
            long peak = whole.graph().probe(Torch.zeros(1, 3, 40, 40)).peakLiveBytes();
            assertThat(peak * Tiling.WORKSPACE_FACTOR).isLessThanOrEqualTo(budget);
        }
        RgbImage a = bounded.upscale(lr);
        RgbImage b = whole.upscale(lr);
        double psnr = SrMetrics.psnrRgb(a, b);
        System.out.printf("x4fast, 16 tiles of 20 + 10 (budget %d B) vs whole: PSNR %.1f dB%n", budget, psnr);
        assertThat(psnr).isGreaterThan(40);
    }
}
