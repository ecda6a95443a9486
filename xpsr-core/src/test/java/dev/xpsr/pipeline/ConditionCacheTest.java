package dev.xpsr.pipeline;

import dev.xpsr.nn.BlockFamily;
import dev.xpsr.nn.TextContext;
import dev.xpsr.testing.TinyXpsrModels;
import dev.xpsr.torch.ExactTuning;
import dev.xpsr.torch.Profiler;
import dev.xpsr.torch.Profiler.Op;
import dev.xpsr.torch.Profiler.Region;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Within an open {@link ConditionCache} the ControlNet encodes each control image (or tile crop) once, and the
 * noise predictions equal those computed with a fresh encoding at every step.
 */
class ConditionCacheTest {
    @TempDir
    static Path tmp;
    static XpsrPipeline pipeline;
    static TextContext ctx;
    static Tensor control2;
    static long latentSide = 16;

    @BeforeAll
    static void load() throws Exception {
        TinyXpsrModels.Folders f = TinyXpsrModels.write(tmp, 5);
        pipeline = new XpsrPipeline(XpsrModels.load(f.sd15(), f.xpsr(), null));
        ctx = pipeline.encodePrompts(Prompts.xpsr("a photo", "blurry"));
        long side = latentSide * pipeline.models().controlNet().conditioningDownFactor();
        Tensor image = Torch.rand(Torch.generator(2), 1, 3, side, side);
        // the guidance batch, as the pipeline builds it
        control2 = Torch.cat(0, image, image);
    }

    @Test
    void cachedEncodingGivesTheSamePredictionsAndRunsTheEncoderOnce() throws Exception {
        try (AutoCloseable mode = Torch.inferenceMode()) {
            Tensor x1 = latent(3);
            Tensor x2 = latent(4);
            Tensor fresh1 = pipeline.controlledUnet(x1, 901, ctx, control2, 1.0);
            Tensor fresh2 = pipeline.controlledUnet(x2, 501, ctx, control2, 1.0);
            long encoderConvolutionsPerPass = encoderConvolutions(() -> pipeline.controlledUnet(x1, 901, ctx,
                    control2, 1.0));
            try (ConditionCache cache = ConditionCache.open()) {
                Tensor[] cached = new Tensor[2];
                long calls = encoderConvolutions(() -> {
                    cached[0] = pipeline.controlledUnet(x1, 901, ctx, control2, 1.0);
                    cached[1] = pipeline.controlledUnet(x2, 501, ctx, control2, 1.0);
                });
                assertThat(calls).as("encoder convolutions over two steps").isEqualTo(encoderConvolutionsPerPass);
                assertThat(Torch.maxAbsDiff(cached[0], fresh1)).isLessThan(1e-5);
                assertThat(Torch.maxAbsDiff(cached[1], fresh2)).isLessThan(1e-5);
            }
        }
    }

    @Test
    void tileCropsAreEncodedOnceEachAndGiveTheSameBlend() throws Exception {
        try (AutoCloseable mode = Torch.inferenceMode()) {
            Tensor x = latent(5);
            List<LatentTiles.Tile> tiles = LatentTiles.grid((int) latentSide, (int) latentSide, 12, 4);
            UpscaleOptions o = UpscaleOptions.DEFAULTS;
            Tensor fresh = pipeline.tiledNoisePrediction(x, 701, ctx, control2, o, tiles);
            try (ConditionCache cache = ConditionCache.open()) {
                Tensor first = pipeline.tiledNoisePrediction(x, 701, ctx, control2, o, tiles);
                long again = encoderConvolutions(() -> pipeline.tiledNoisePrediction(x, 701, ctx, control2, o, tiles));
                assertThat(again).as("encoder convolutions once every crop is cached").isZero();
                assertThat(Torch.maxAbsDiff(first, fresh)).isLessThan(1e-5);
            }
        }
    }

    @Test
    void switchedOffItEncodesAtEveryStep() throws Exception {
        boolean was = ExactTuning.ENCODE_CONDITION_ONCE.set(false);
        try (AutoCloseable mode = Torch.inferenceMode(); ConditionCache cache = ConditionCache.open()) {
            Tensor x = latent(6);
            long once = encoderConvolutions(() -> pipeline.controlledUnet(x, 901, ctx, control2, 1.0));
            long twice = encoderConvolutions(() -> {
                pipeline.controlledUnet(x, 901, ctx, control2, 1.0);
                pipeline.controlledUnet(x, 901, ctx, control2, 1.0);
            });
            assertThat(once).isPositive();
            assertThat(twice).isEqualTo(2 * once);
        } finally {
            ExactTuning.ENCODE_CONDITION_ONCE.set(was);
        }
    }

    private static Tensor latent(long seed) {
        long channels = pipeline.models().unet().config.inChannels();
        return Torch.randn(Torch.generator(seed), 2, channels, latentSide, latentSide);
    }

    /** Convolutions the ControlNet's conditioning encoder ran during {@code body}. */
    private static long encoderConvolutions(Runnable body) {
        try (Profiler p = Profiler.start()) {
            body.run();
            var ops = p.byRegion().get(new Region("ControlNet", BlockFamily.CONDITIONING_ENCODER.label()));
            return ops == null || !ops.containsKey(Op.CONVOLUTION) ? 0 : ops.get(Op.CONVOLUTION).calls();
        }
    }
}
