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
import dev.xpsr.torch.Placement;
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

    /** {@link #create(long, XpsrModels.Residency, Placement)} on the CPU in fp32. */
    public static XpsrModels create(long seed, XpsrModels.Residency residency) {
        return create(seed, residency, Placement.CPU_FP32);
    }

    /**
     * Random models, resident or re-created per stage, made straight on {@code placement}; each network draws from
     * its own generator seeded from {@code seed}, in float32 tensor by tensor, so both residencies and every
     * placement hold the same weights (rounded to the placement's precision) and no network is ever held in float32
     * whole when another precision is asked for.
     */
    public static XpsrModels create(long seed, XpsrModels.Residency residency, Placement placement) {
        placement.checkAvailable();
        UNetConfig sdUnet = UNetConfig.from(Sd15Configs.unet(), true);
        XpsrModels.Loader<ClipTextModel> te = p -> init(() -> new ClipTextModel(Sd15Configs.textEncoder()), seed, p);
        XpsrModels.Loader<AutoencoderKL> vae = p -> init(() -> new AutoencoderKL(Sd15Configs.vae()), seed + 1, p);
        XpsrModels.Loader<XpsrControlNetModel> cn = p -> init(() -> new XpsrControlNetModel(
                XpsrInitialization.controlNetConfig(sdUnet, XpsrControlNetLayout.XPSR)), seed + 2, p);
        XpsrModels.Loader<XpsrUNet2DConditionModel> unet = p -> init(() -> new XpsrUNet2DConditionModel(
                XpsrInitialization.unetConfig(sdUnet)), seed + 3, p);
        SchedulerConfig scheduler = SchedulerConfig.fromJson(Sd15Configs.scheduler().node());
        if (residency == XpsrModels.Residency.SEQUENTIAL) {
            return XpsrModels.sequential(ClipTokenizer.bundled(), te, vae, cn, unet, scheduler,
                    XpsrControlNetLayout.XPSR).to(placement);
        }
        return new XpsrModels(ClipTokenizer.bundled(), te.load(placement), vae.load(placement), cn.load(placement),
                unet.load(placement), scheduler, placement);
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

    private static <M extends Module> M init(Supplier<M> build, long seed, Placement placement) {
        M module = Module.withoutStorage(build);
        Init.pytorchDefaults(module, Torch.generator(seed), placement);
        return module;
    }
}
