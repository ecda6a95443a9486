package dev.xpsr.pipeline;

import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import dev.xpsr.testing.TinyXpsrModels;
import dev.xpsr.util.BundledData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Scales other than ×4, restoration without enlargement (×1) and explicit output sizes, with the process size. */
class OutputScaleTest {
    @TempDir
    Path tmp;

    private static RgbImage photo(int width, int height) throws Exception {
        RgbImage hr = ImageFiles.read(BundledData.photos().resolve("opencv_fruits.png"));
        return PilResize.resize(hr.crop(40, 40, 400, 300), width, height);
    }

    @Test
    void aLargeInputAtScaleOneIsRestoredAtItsOwnSizeWithoutAnyResize() throws Exception {
        RgbImage large = photo(96, 72);
        Preprocess.Prepared p = new Preprocess(1, 64).prepare(large);
        assertThat(p.upscaled()).isSameAs(large);
        assertThat(p.shorterSideResized()).as("72 already reaches the process size").isNull();
        assertThat(p.controlImage()).isSameAs(large);
        assertThat(new Preprocess(1, 64).restoreSize(large, p)).isSameAs(large);
    }

    @Test
    void aSmallInputAtScaleOneIsRaisedToTheProcessSizeForDiffusionAndBroughtBack() throws Exception {
        RgbImage small = photo(40, 30);
        Preprocess pre = new Preprocess(1, 64);
        Preprocess.Prepared p = pre.prepare(small);
        assertThat(p.shorterSideResized().height()).isEqualTo(64);
        assertThat(p.controlImage().width()).isEqualTo(80);
        RgbImage back = pre.restoreSize(p.controlImage(), p);
        assertThat(back.width()).isEqualTo(40);
        assertThat(back.height()).isEqualTo(30);
    }

    @Test
    void anExplicitSizeTakesThePlaceOfTheScaleBeforeAndAfterDiffusion() throws Exception {
        RgbImage lr = photo(40, 30);
        Preprocess pre = new Preprocess(4, 64, new OutputSize(100, 60));
        Preprocess.Prepared p = pre.prepare(lr);
        assertThat(p.upscaled().width()).isEqualTo(100);
        assertThat(p.upscaled().height()).isEqualTo(60);
        assertThat(p.controlImage().width() % 8).isZero();
        RgbImage out = pre.restoreSize(p.controlImage(), p);
        assertThat(out.width()).isEqualTo(100);
        assertThat(out.height()).isEqualTo(60);
        assertThat(new Preprocess(2, 64).target(40, 30)).isEqualTo(new OutputSize(80, 60));
    }

    @Test
    void outputSizesAreParsedFromWidthByHeight() {
        assertThat(OutputSize.parse("1920x1080")).isEqualTo(new OutputSize(1920, 1080));
        assertThat(OutputSize.parse(" 64X48 ").toString()).isEqualTo("64x48");
        assertThatThrownBy(() -> OutputSize.parse("1920")).hasMessageContaining("WIDTHxHEIGHT")
                .hasMessageContaining("'1920'");
        assertThatThrownBy(() -> new OutputSize(0, 5)).hasMessageContaining("0x5");
    }

    @Test
    void thePipelineRestoresAtScaleOneTwoAndAnExplicitSize() throws Exception {
        TinyXpsrModels.Folders f = TinyXpsrModels.write(tmp, 13);
        XpsrPipeline pipeline = new XpsrPipeline(XpsrModels.load(f.sd15(), f.xpsr(), null));
        RgbImage lr = photo(24, 16);
        UpscaleOptions base = UpscaleOptions.builder().steps(1).processSize(32).build();
        Prompts prompts = Prompts.xpsr("fruit", "blurry");
        RgbImage same = pipeline.upscale(lr, prompts, base.toBuilder().upscale(1).build(), XpsrPipeline.Observer.NONE)
                .image();
        assertThat(same.width()).isEqualTo(24);
        assertThat(same.height()).isEqualTo(16);
        RgbImage twice = pipeline.upscale(lr, prompts, base.toBuilder().upscale(2).build(),
                XpsrPipeline.Observer.NONE).image();
        assertThat(twice.width()).isEqualTo(48);
        UpscaleOptions sized = base.toBuilder().outputSize(new OutputSize(50, 30)).build();
        RgbImage exact = pipeline.upscale(lr, prompts, sized, XpsrPipeline.Observer.NONE).image();
        assertThat(exact.width()).isEqualTo(50);
        assertThat(exact.height()).isEqualTo(30);
        assertThat(sized.toString()).contains("upscale=4, outputSize=50x30");
    }
}
