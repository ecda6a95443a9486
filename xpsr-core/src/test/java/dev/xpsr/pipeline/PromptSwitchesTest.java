package dev.xpsr.pipeline;

import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import dev.xpsr.nn.TextContext;
import dev.xpsr.testing.TinyXpsrModels;
import dev.xpsr.torch.Torch;
import dev.xpsr.util.BundledData;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The inference switches of the ablations: no low-level context, empty negative prompts, and no classifier-free
 * guidance at a scale of 1 or less (the conditional pass alone, as diffusers).
 */
class PromptSwitchesTest {
    @TempDir
    static Path tmp;
    static XpsrPipeline pipeline;
    static RgbImage photo;
    static final UpscaleOptions BASE = UpscaleOptions.builder().steps(1).processSize(64).build();

    @BeforeAll
    static void load() throws Exception {
        TinyXpsrModels.Folders f = TinyXpsrModels.write(tmp, 21);
        pipeline = new XpsrPipeline(XpsrModels.load(f.sd15(), f.xpsr(), null));
        photo = PilResize.resize(ImageFiles.read(BundledData.photos().resolve("opencv_fruits.png"))
                .crop(60, 40, 160, 128), 20, 16);
    }

    private static byte[] restore(Prompts prompts, UpscaleOptions options) {
        return pipeline.upscale(photo, prompts, options, XpsrPipeline.Observer.NONE).image().toHwcBytes();
    }

    @Test
    void withoutTheLowlevelPromptNoLowlevelContextReachesTheNetworks() throws Exception {
        UpscaleOptions off = BASE.toBuilder().useLowlevelPrompt(false).build();
        try (AutoCloseable mode = Torch.inferenceMode()) {
            TextContext ctx = pipeline.encodePrompts(Prompts.xpsr("fruit", "blurry"), off);
            assertThat(ctx.lowlevel()).isNull();
            assertThat(ctx.text().size(0)).isEqualTo(2);
        }
        byte[] blurry = restore(Prompts.xpsr("fruit", "blurry"), off);
        assertThat(restore(Prompts.xpsr("fruit", "sharp and clean"), off)).isEqualTo(blurry);
        assertThat(restore(Prompts.xpsr("fruit", "blurry"), BASE)).isNotEqualTo(blurry);
    }

    @Test
    void switchedOffNegativePromptsAreEmptyTexts() {
        Prompts p = Prompts.xpsr("fruit", "blurry");
        UpscaleOptions off = BASE.toBuilder().useNegativePrompts(false).build();
        assertThat(p.under(off)).isEqualTo(new Prompts(p.positive(), "", "blurry", ""));
        assertThat(restore(p, off)).isEqualTo(restore(new Prompts(p.positive(), "", "blurry", ""), BASE));
        assertThat(restore(p, off)).isNotEqualTo(restore(p, BASE));
    }

    @Test
    void guidanceOfOneOrLessRunsTheConditionalHalfAloneSoNegativesDoNotMatter() throws Exception {
        UpscaleOptions unguided = BASE.toBuilder().guidance(1.0).build();
        assertThat(unguided.classifierFreeGuidance()).isFalse();
        Prompts p = Prompts.xpsr("fruit", "blurry");
        assertThat(restore(new Prompts(p.positive(), "other", "blurry", "words"), unguided))
                .isEqualTo(restore(p, unguided));
        try (AutoCloseable mode = Torch.inferenceMode()) {
            Tensor z = Torch.randn(Torch.generator(4), 1, 4, 8, 8);
            Tensor control = Torch.rand(Torch.generator(5), 1, 3, 64, 64);
            var scheduler = BASE.sampler().create(pipeline.models().schedulerConfig());
            Tensor alone = pipeline.guidedNoise(z, 501, pipeline.encodePrompts(p, unguided), control, scheduler,
                    unguided);
            Tensor pair = pipeline.noisePrediction(Torch.cat(0, z, z), 501, pipeline.encodePrompts(p),
                    Torch.cat(0, control, control), BASE);
            assertThat(Torch.maxAbsDiff(alone, Torch.chunk(pair, 2, 0)[1])).isLessThan(1e-5);
        }
    }
}
