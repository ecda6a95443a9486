package dev.xpsr.pipeline;

import dev.xpsr.model.AutoencoderKL;
import dev.xpsr.model.ClipTextModel;
import dev.xpsr.model.ClipTokenizer;
import dev.xpsr.model.Pretrained;
import dev.xpsr.model.XpsrControlNetModel;
import dev.xpsr.model.XpsrUNet2DConditionModel;
import dev.xpsr.nn.Module;
import dev.xpsr.scheduler.SchedulerConfig;
import dev.xpsr.torch.Placement;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything XPSR's inference needs, loaded once: from the Stable Diffusion 1.5 folder the tokenizer, CLIP text
 * encoder, VAE and scheduler config; from the XPSR checkpoint folder its ControlNet and UNet.
 */
public record XpsrModels(ClipTokenizer tokenizer, ClipTextModel textEncoder, AutoencoderKL vae,
                         XpsrControlNetModel controlNet, XpsrUNet2DConditionModel unet,
                         SchedulerConfig schedulerConfig, Placement placement) {

    /** Models on the CPU in fp32, as loaded. */
    public XpsrModels(ClipTokenizer tokenizer, ClipTextModel textEncoder, AutoencoderKL vae,
                      XpsrControlNetModel controlNet, XpsrUNet2DConditionModel unet, SchedulerConfig schedulerConfig) {
        this(tokenizer, textEncoder, vae, controlNet, unet, schedulerConfig, Placement.CPU_FP32);
    }

    /** The same models moved once to {@code target} (device and precision). */
    public XpsrModels to(Placement target) {
        target.checkAvailable();
        for (Module m : List.of(textEncoder, vae, controlNet, unet)) {
            m.to(target);
        }
        return new XpsrModels(tokenizer, textEncoder, vae, controlNet, unet, schedulerConfig, target);
    }

    /**
     * @param sd15    a diffusers SD-1.5 folder ({@code text_encoder/}, {@code tokenizer/}, {@code vae/},
     *                {@code scheduler/}); its {@code unet/} is not needed
     * @param xpsr    a folder holding XPSR's {@code controlnet/} and {@code unet/}
     * @param variant {@code fp16} to read the {@code .fp16.} weight files, or null
     */
    public static XpsrModels load(Path sd15, Path xpsr, String variant) throws IOException {
        Path tokenizerDir = sd15.resolve("tokenizer");
        ClipTokenizer tokenizer = Files.isRegularFile(tokenizerDir.resolve("vocab.json"))
                ? ClipTokenizer.fromFolder(tokenizerDir) : ClipTokenizer.bundled();
        return new XpsrModels(tokenizer,
                Pretrained.textEncoder(sd15.resolve("text_encoder"), variant),
                Pretrained.vae(sd15.resolve("vae"), variant),
                Pretrained.xpsrControlNet(xpsr.resolve("controlnet"), variant),
                Pretrained.xpsrUnet(xpsr.resolve("unet"), variant),
                SchedulerConfig.read(sd15.resolve("scheduler").resolve("scheduler_config.json")));
    }
}
