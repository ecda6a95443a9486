package dev.xpsr.pipeline;

import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import dev.xpsr.nn.TextContext;
import dev.xpsr.testing.TinyXpsrModels;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Latent tiling: one tile is the untiled result; several tiles leave no seams along their borders. */
class LatentTilingTest {
    @TempDir
    static Path tmp;
    static XpsrPipeline pipeline;
    static RgbImage photo;

    @BeforeAll
    static void load() throws Exception {
        TinyXpsrModels.Folders f = TinyXpsrModels.write(tmp, 9);
        pipeline = new XpsrPipeline(XpsrModels.load(f.sd15(), f.xpsr(), null));
        RgbImage hr = ImageFiles.read(Path.of(System.getProperty("xpsr.data", "../fixtures/data"))
                .resolve("images/hr/opencv_fruits.png"));
        photo = PilResize.resize(hr.crop(0, 0, 480, 320), 60, 40);
    }

    @Test
    void gridFollowsTheReferenceLoopAndSnapsTheLastTileToTheBorder() {
        List<LatentTiles.Tile> tiles = LatentTiles.grid(16, 26, 12, 4);
        // row walks x: starts 0, 8, then snapped to 26 − 12 = 14; col walks y: 0, then 16 − 12 = 4
        assertThat(tiles).containsExactly(new LatentTiles.Tile(0, 0, 12), new LatentTiles.Tile(0, 4, 12),
                new LatentTiles.Tile(8, 0, 12), new LatentTiles.Tile(8, 4, 12),
                new LatentTiles.Tile(14, 0, 12), new LatentTiles.Tile(14, 4, 12));
        assertThat(LatentTiles.needed(16, 26, 12)).isTrue();
        assertThat(LatentTiles.needed(16, 26, 26)).isFalse();
    }

    @Test
    void aSingleTileGivesTheUntiledPrediction() throws Exception {
        try (AutoCloseable mode = Torch.inferenceMode()) {
            UpscaleOptions o = UpscaleOptions.DEFAULTS;
            // a 16x16 latent of the UNet's channels and its control image at the ControlNet's scale
            long channels = pipeline.models().unet().config.inChannels();
            long imageSide = 16L * pipeline.models().controlNet().conditioningDownFactor();
            Tensor x = Torch.randn(Torch.generator(1), 2, channels, 16, 16);
            Tensor control = Torch.randn(Torch.generator(2), 2, 3, imageSide, imageSide);
            TextContext ctx = pipeline.encodePrompts(Prompts.xpsr("a photo", "blurry"));
            Tensor untiled = pipeline.controlledUnet(x, 501, ctx, control, 1.0);
            Tensor tiled = pipeline.tiledNoisePrediction(x, 501, ctx, control, o, LatentTiles.grid(16, 16, 16, 8));
            assertThat(Torch.maxAbsDiff(tiled, untiled)).isLessThan(1e-5);
        }
    }

    @Test
    void tiledRestorationHasNoSeamsAtTileBorders() {
        UpscaleOptions base = UpscaleOptions.builder().steps(2).processSize(160).build();
        RgbImage untiled = pipeline.upscale(photo, Prompts.xpsr("fruit", "blurry"), base, XpsrPipeline.Observer.NONE)
                .beforeColorFix();
        UpscaleOptions tiledOptions = base.toBuilder().latentTiles(12, 4).build();
        RgbImage tiled = pipeline.upscale(photo, Prompts.xpsr("fruit", "blurry"), tiledOptions,
                XpsrPipeline.Observer.NONE).beforeColorFix();
        int f = pipeline.models().vae().downFactor();
        int h = untiled.height() / f;
        int w = untiled.width() / f;
        List<LatentTiles.Tile> tiles = LatentTiles.grid(h, w, 12, 4);
        assertThat(tiles.size()).as("tiles").isGreaterThan(4);
        double[] borderAndInterior = seamStatistics(tiled, tiles, f);
        System.out.printf("latent tiling on a real photo: mean |step| across tile borders %.2f, inside tiles %.2f;"
                + " max |tiled - untiled| %d%n", borderAndInterior[0], borderAndInterior[1], maxDiff(tiled, untiled));
        // a seam is a jump between neighbouring pixels at a tile edge that the interior does not show
        assertThat(borderAndInterior[0]).isLessThan(1.5 * borderAndInterior[1] + 2);
    }

    /**
     * Mean absolute horizontal step between neighbouring pixels on tile-edge columns vs elsewhere; {@code f} image
     * pixels per latent pixel.
     */
    private static double[] seamStatistics(RgbImage img, List<LatentTiles.Tile> tiles, int f) {
        boolean[] edge = new boolean[img.width()];
        for (LatentTiles.Tile t : tiles) {
            for (int e : new int[] {t.x() * f, (t.x() + t.size()) * f}) {
                if (e > 0 && e < img.width()) {
                    edge[e] = true;
                }
            }
        }
        double border = 0;
        double interior = 0;
        long nb = 0;
        long ni = 0;
        for (int y = 0; y < img.height(); y++) {
            for (int x = 1; x < img.width(); x++) {
                for (int c = 0; c < 3; c++) {
                    int step = Math.abs(img.get(x, y, c) - img.get(x - 1, y, c));
                    if (edge[x]) {
                        border += step;
                        nb++;
                    } else {
                        interior += step;
                        ni++;
                    }
                }
            }
        }
        return new double[] {border / nb, interior / ni};
    }

    private static int maxDiff(RgbImage a, RgbImage b) {
        byte[] x = a.toHwcBytes();
        byte[] y = b.toHwcBytes();
        int m = 0;
        for (int i = 0; i < x.length; i++) {
            m = Math.max(m, Math.abs((x[i] & 0xff) - (y[i] & 0xff)));
        }
        return m;
    }
}
