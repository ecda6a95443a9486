package dev.xpsr.bench;

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
import dev.xpsr.pipeline.XpsrModels;
import dev.xpsr.scheduler.SchedulerConfig;
import dev.xpsr.torch.Torch;

import java.util.function.Supplier;

/**
 * Full-size XPSR networks (Stable Diffusion 1.5's real configs, XPSR's ControlNet and UNet derived from them)
 * with random weights: what benchmarks and memory checks run when the real checkpoints are not at hand. The
 * compute and memory are those of the real models; the outputs are meaningless.
 */
public final class RandomXpsrModels {
    private RandomXpsrModels() {
    }

    /** Resident random models. */
    public static XpsrModels create(long seed) {
        return create(seed, XpsrModels.Residency.RESIDENT);
    }

    /**
     * Random models, resident or re-created per stage; each network draws from its own generator seeded from
     * {@code seed}, so both residencies hold the same weights.
     */
    public static XpsrModels create(long seed, XpsrModels.Residency residency) {
        UNetConfig sdUnet = UNetConfig.from(Sd15Configs.unet(), true);
        Supplier<ClipTextModel> te = () -> init(new ClipTextModel(Sd15Configs.textEncoder()), seed);
        Supplier<AutoencoderKL> vae = () -> init(new AutoencoderKL(Sd15Configs.vae()), seed + 1);
        Supplier<XpsrControlNetModel> cn = () -> init(new XpsrControlNetModel(
                XpsrInitialization.controlNetConfig(sdUnet, XpsrControlNetLayout.XPSR)), seed + 2);
        Supplier<XpsrUNet2DConditionModel> unet = () -> init(new XpsrUNet2DConditionModel(
                XpsrInitialization.unetConfig(sdUnet)), seed + 3);
        SchedulerConfig scheduler = SchedulerConfig.fromJson(Sd15Configs.scheduler().node());
        if (residency == XpsrModels.Residency.SEQUENTIAL) {
            return XpsrModels.sequential(ClipTokenizer.bundled(), te, vae, cn, unet, scheduler,
                    XpsrControlNetLayout.XPSR);
        }
        return new XpsrModels(ClipTokenizer.bundled(), te.get(), vae.get(), cn.get(), unet.get(), scheduler);
    }

    /**
     * The sum of the parameter counts of the four networks (sequential models load them one at a time for this,
     * and free each again).
     */
    public static long parameterCount(XpsrModels m) {
        long n = 0;
        for (XpsrModels.Network network : XpsrModels.Network.values()) {
            try (XpsrModels.Lease lease = m.use(network)) {
                n += switch (network) {
                    case TEXT_ENCODER -> m.textEncoder().parameterCount();
                    case VAE -> m.vae().parameterCount();
                    case CONTROLNET -> m.controlNet().parameterCount();
                    case UNET -> m.unet().parameterCount();
                };
            }
        }
        return n;
    }

    private static <M extends Module> M init(M module, long seed) {
        Init.pytorchDefaults(module, Torch.generator(seed));
        return module;
    }
}
