package dev.xpsr.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.JsonConfig;
import dev.xpsr.io.RgbImage;
import dev.xpsr.model.AutoencoderKL;
import dev.xpsr.model.ClipTextModel;
import dev.xpsr.model.ClipTokenizer;
import dev.xpsr.model.Sd15Configs;
import dev.xpsr.model.UNetConfig;
import dev.xpsr.model.XpsrControlNetLayout;
import dev.xpsr.model.XpsrControlNetModel;
import dev.xpsr.model.XpsrInitialization;
import dev.xpsr.model.XpsrUNet2DConditionModel;
import dev.xpsr.nn.Init;
import dev.xpsr.nn.Module;
import dev.xpsr.pipeline.PilResize;
import dev.xpsr.pipeline.XpsrModels;
import dev.xpsr.scheduler.SchedulerConfig;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Torch;
import dev.xpsr.util.BundledData;
import dev.xpsr.util.ProcessMemory;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Closing an upscaler gives its native memory back: the resident set returns to within 10 % of what it was before
 * the upscaler was built. The models are large enough for the difference to show (SD-1.5's full CLIP text encoder
 * and VAE, 0.8 GB of fp32 weights, beside a small ControlNet and UNet of XPSR's structure).
 */
class UpscalerMemoryTest {
    @Test
    void closingReturnsTheResidentSetToWithinTenPercentOfItsLevelBeforeBuilding() throws Exception {
        NativeStartup.ensureStarted();
        RgbImage lr = PilResize.resize(ImageFiles.read(BundledData.photos().resolve("opencv_fruits.png"))
                .crop(100, 100, 160, 160), 16, 16);
        // the first cycle also pays what a process pays once (libtorch's code paged in, oneDNN's generated
        // kernels, the JIT): reported, then the second cycle is held to the bound
        long[] cold = cycle(lr);
        long[] warm = cycle(lr);
        System.out.printf("UpscalerMemoryTest: RSS before build / after build / after close: first %s / %s / %s,"
                        + " second %s / %s / %s%n", mib(cold[0]), mib(cold[1]), mib(cold[2]), mib(warm[0]),
                mib(warm[1]), mib(warm[2]));
        assertThat(warm[1] - warm[0]).as("the models occupy memory").isGreaterThan(600L << 20);
        assertThat((double) warm[2]).as("RSS after close against before build").isLessThanOrEqualTo(warm[0] * 1.10);
    }

    /** Builds, uses and closes an upscaler: the resident set before building, after building, after closing. */
    private static long[] cycle(RgbImage lr) throws Exception {
        long before = settledRss();
        long built;
        try (Upscaler upscaler = Upscaler.builder(Method.XPSR).models(models()).build()) {
            built = settledRss();
            UpscaleResult r = upscaler.upscale(UpscaleRequest.builder(lr).caption("fruit").steps(1).processSize(64)
                    .build());
            assertThat(r.image().width()).isEqualTo(64);
        }
        return new long[] {before, built, settledRss()};
    }

    private static String mib(long bytes) {
        return ProcessMemory.format(bytes);
    }

    /** The resident set after the collector and the allocator have handed back what they can. */
    private static long settledRss() {
        System.gc();
        Pointer.trimMemory();
        return ProcessMemory.rssBytes();
    }

    /** Resident models: full-size text encoder and VAE, a small ControlNet and UNet taking the same text width. */
    private static XpsrModels models() {
        ObjectNode unet = Sd15Configs.unet().node().deepCopy();
        unet.putArray("block_out_channels").add(32).add(32).add(64).add(64);
        unet.put("layers_per_block", 1);
        UNetConfig small = UNetConfig.from(new JsonConfig(unet, "small SD-1.5 UNet"), true);
        return new XpsrModels(ClipTokenizer.bundled(), init(new ClipTextModel(Sd15Configs.textEncoder()), 1),
                init(new AutoencoderKL(Sd15Configs.vae()), 2),
                init(new XpsrControlNetModel(XpsrInitialization.controlNetConfig(small, XpsrControlNetLayout.XPSR)), 3),
                init(new XpsrUNet2DConditionModel(XpsrInitialization.unetConfig(small)), 4),
                SchedulerConfig.fromJson(Sd15Configs.scheduler().node()));
    }

    private static <M extends Module> M init(M module, long seed) {
        Init.pytorchDefaults(module, Torch.generator(seed));
        return module;
    }
}
