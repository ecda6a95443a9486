package dev.xpsr.pipeline;

import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.golden.ImageCompare;
import dev.xpsr.io.RgbImage;
import dev.xpsr.torch.ImageTensors;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * test.py's preprocessing, colour fix and final resize against the end-to-end run recorded in
 * {@code xpsr_pipeline_tiny.safetensors} (process size and upscale from its {@code extra.args}).
 */
class PreprocessGoldenTest {

    private static Preprocess fromArgs(GoldenFixture f) {
        var args = f.json("extra").get("args");
        return new Preprocess(args.get("upscale").asInt(), args.get("process_size").asInt());
    }

    private static RgbImage image(GoldenFixture f, String key) {
        return ImageTensors.fromHwcTensor(f.tensor(key));
    }

    @Test
    void preprocessReproducesEveryStageTheReferenceRan() {
        try (GoldenFixture f = GoldenFixture.open("xpsr_pipeline_tiny")) {
            RecordedPreprocessing.assertMatches(f, fromArgs(f).prepare(image(f, "input.lr_u8")));
        }
    }

    @Test
    void adainColorFixOfPipelineImageMatchesTestPy() {
        try (GoldenFixture f = GoldenFixture.open("xpsr_pipeline_tiny")) {
            RgbImage fixed = ColorFixMode.ADAIN.apply(image(f, "output.pipeline_image_u8"),
                    image(f, "input.control_image_u8"));
            ImageCompare.assertNearlyExact("pipeline colorfix", fixed, f.tensor("output.colorfix_u8"), 5);
        }
    }

    @Test
    void finalResizeBackToUpscaledLrSizeMatchesSavedPngs() {
        try (GoldenFixture f = GoldenFixture.open("xpsr_pipeline_tiny")) {
            Preprocess pre = fromArgs(f);
            RgbImage lr = image(f, "input.lr_u8");
            ImageCompare.assertExact("final", pre.restoreSize(image(f, "output.colorfix_u8"), lr.width(), lr.height()),
                    f.tensor("output.final_u8"));
            ImageCompare.assertExact("final without colour fix",
                    pre.restoreSize(image(f, "output.pipeline_image_u8"), lr.width(), lr.height()),
                    f.tensor("output.no_colorfix.final_u8"));
        }
    }

    @Test
    void tiledRunFinalImageIsColourFixThenResize() {
        try (GoldenFixture f = GoldenFixture.open("xpsr_pipeline_tiny")) {
            Preprocess pre = fromArgs(f);
            Preprocess.Prepared p = pre.prepare(image(f, "input.lr_u8"));
            RgbImage fixed = ColorFixMode.ADAIN.apply(image(f, "output.tiled.pipeline_image_u8"), p.controlImage());
            ImageCompare.assertNearlyExact("tiled final", pre.restoreSize(fixed, p),
                    f.tensor("output.tiled.final_u8"), 5);
        }
    }

    @Test
    void shorterSideAtProcessSizeSkipsTheTorchvisionStep() {
        Preprocess.Prepared p = new Preprocess(4, 64).prepare(RgbImage.filled(17, 16, 10, 20, 30));
        assertThat(p.upscaled().width()).isEqualTo(68);
        assertThat(p.shorterSideResized()).isNull();
        assertThat(p.controlImage().width()).isEqualTo(64);
        assertThat(p.controlImage().height()).isEqualTo(64);
    }
}
