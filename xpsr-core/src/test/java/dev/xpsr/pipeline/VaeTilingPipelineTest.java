package dev.xpsr.pipeline;

import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import dev.xpsr.testing.TinyXpsrModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The pipeline runs its VAE through {@link TiledVae} as the options say. */
class VaeTilingPipelineTest {
    @TempDir
    static Path tmp;
    static XpsrPipeline pipeline;
    static RgbImage photo;
    static final UpscaleOptions BASE = UpscaleOptions.builder().steps(2).processSize(160).build();

    @BeforeAll
    static void load() throws Exception {
        TinyXpsrModels.Folders f = TinyXpsrModels.write(tmp, 11);
        pipeline = new XpsrPipeline(XpsrModels.load(f.sd15(), f.xpsr(), null));
        RgbImage hr = ImageFiles.read(Path.of(System.getProperty("xpsr.data", "../fixtures/data"))
                .resolve("images/hr/opencv_fruits.png"));
        photo = PilResize.resize(hr.crop(0, 0, 480, 320), 60, 40);
    }

    private static RgbImage run(TiledVae.Options tiles) {
        return pipeline.upscale(photo, Prompts.xpsr("fruit", "blurry"), BASE.toBuilder().vaeTiles(tiles).build(),
                XpsrPipeline.Observer.NONE).beforeColorFix();
    }

    @Test
    void tilesLargerThanTheImageGiveTheUntiledBytes() {
        assertThat(run(TiledVae.Options.XPSR).toHwcBytes()).isEqualTo(run(TiledVae.Options.UNTILED).toHwcBytes());
    }

    @Test
    void smallTilesAreUsedAndStayCloseToTheUntiledResult() {
        RgbImage untiled = run(TiledVae.Options.UNTILED);
        // 240×160 control image: encoder tiles of 8 latent px (64 px for a x8 VAE) padded by 1, decoder tiles of
        // 8 latent px padded by 2
        int f = pipeline.models().vae().downFactor();
        RgbImage tiled = run(TiledVae.Options.XPSR.withEncoderTile(8 * f, 1).withDecoderTile(8, 2));
        assertThat(tiled.width()).isEqualTo(untiled.width());
        assertThat(tiled.height()).isEqualTo(untiled.height());
        byte[] a = tiled.toHwcBytes();
        byte[] b = untiled.toHwcBytes();
        long sum = 0;
        int max = 0;
        for (int i = 0; i < a.length; i++) {
            int d = Math.abs((a[i] & 0xff) - (b[i] & 0xff));
            sum += d;
            max = Math.max(max, d);
        }
        double mean = (double) sum / a.length;
        System.out.printf("tiled VAE in the pipeline (x%d; encoder tiles %d px, decoder tiles 8 latent px): mean "
                + "|tiled - untiled| %.3f, max %d (8-bit); untiled spread %.3f%n", f, 8 * f, mean, max, spread(b));
        assertThat(max).as("the tiled VAE was used").isGreaterThan(0);
        // in-repo models: 2.4 against a spread of 28 (9 %); how far a VAE's output reaches beyond the padding depends
        // on its weights (see TiledVaeTest), so the bound is a fraction of the image's own spread
        assertThat(mean).isLessThan(0.25 * spread(b));
    }

    /** Mean absolute deviation of the 8-bit values from their mean. */
    private static double spread(byte[] v) {
        double mean = 0;
        for (byte b : v) {
            mean += b & 0xff;
        }
        mean /= v.length;
        double dev = 0;
        for (byte b : v) {
            dev += Math.abs((b & 0xff) - mean);
        }
        return dev / v.length;
    }
}
