package dev.xpsr.pipeline;

import dev.xpsr.model.AutoencoderKL;
import dev.xpsr.model.ClipTextModel;
import dev.xpsr.model.ClipTokenizer;
import dev.xpsr.model.Sd15Configs;
import dev.xpsr.model.UNetConfig;
import dev.xpsr.model.XpsrControlNetModel;
import dev.xpsr.model.XpsrInitialization;
import dev.xpsr.model.XpsrUNet2DConditionModel;
import dev.xpsr.nn.FusionMode;
import dev.xpsr.nn.Init;
import dev.xpsr.nn.Module;
import dev.xpsr.scheduler.SchedulerConfig;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Generator;

/**
 * Full-size XPSR networks (Stable Diffusion 1.5's real configs, XPSR's ControlNet and UNet derived from them)
 * with random weights: what benchmarks and memory checks run when the real checkpoints are not at hand. The
 * compute and memory are those of the real models; the outputs are meaningless.
 */
public final class RandomXpsrModels {
    private RandomXpsrModels() {
    }

    public static XpsrModels create(long seed) {
        Generator g = Torch.generator(seed);
        UNetConfig sdUnet = UNetConfig.from(Sd15Configs.unet(), true);
        return new XpsrModels(ClipTokenizer.bundled(),
                init(new ClipTextModel(Sd15Configs.textEncoder()), g),
                init(new AutoencoderKL(Sd15Configs.vae()), g),
                init(new XpsrControlNetModel(XpsrInitialization.controlNetConfig(sdUnet, FusionMode.PARALLEL)), g),
                init(new XpsrUNet2DConditionModel(XpsrInitialization.unetConfig(sdUnet)), g),
                SchedulerConfig.fromJson(Sd15Configs.scheduler().node()));
    }

    /** The sum of the parameter counts of the four networks. */
    public static long parameterCount(XpsrModels m) {
        return m.textEncoder().parameterCount() + m.vae().parameterCount() + m.controlNet().parameterCount()
                + m.unet().parameterCount();
    }

    private static <M extends Module> M init(M module, Generator g) {
        Init.pytorchDefaults(module, g);
        return module;
    }
}
