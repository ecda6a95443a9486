package dev.xpsr.train;

import dev.xpsr.model.AutoencoderKL;
import dev.xpsr.model.ClipTextModel;
import dev.xpsr.model.ClipTokenizer;
import dev.xpsr.model.Pretrained;
import dev.xpsr.model.UNet2DConditionModel;
import dev.xpsr.model.XpsrControlNetLayout;
import dev.xpsr.model.XpsrControlNetModel;
import dev.xpsr.model.XpsrInitialization;
import dev.xpsr.model.XpsrUNet2DConditionModel;
import dev.xpsr.pipeline.XpsrModels;
import dev.xpsr.scheduler.DDPMScheduler;
import dev.xpsr.scheduler.SchedulerConfig;
import dev.xpsr.torch.Placement;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The networks of XPSR training ({@code train.py}): frozen CLIP text encoder, VAE and UNet base; trainable
 * ControlNet (all of it: SFA blocks, image encoder, both kinds of DFC heads) and the UNet modules whose names end
 * with one of {@code trainable_modules} (XPSR's pixel attentions).
 *
 * <p>Under mixed precision the frozen text encoder and VAE are cast to the low precision, as {@code train.py}
 * does ({@code weight_dtype}); the ControlNet and UNet keep float32 master weights and compute under autocast.
 */
public final class TrainingModels {
    /** Prefixes of the trainable parameters' names, as the optimizer state stores them. */
    public static final String CONTROLNET = "controlnet.";
    public static final String UNET = "unet.";

    public final ClipTokenizer tokenizer;
    public final ClipTextModel textEncoder;
    public final AutoencoderKL vae;
    public final XpsrControlNetModel controlNet;
    public final XpsrUNet2DConditionModel unet;
    public final SchedulerConfig schedulerConfig;
    public final DDPMScheduler noiseScheduler;
    public final Placement placement;
    private final Map<String, Tensor> trainable;

    public TrainingModels(ClipTokenizer tokenizer, ClipTextModel textEncoder, AutoencoderKL vae,
                          XpsrControlNetModel controlNet, XpsrUNet2DConditionModel unet, SchedulerConfig schedulerConfig,
                          Placement placement, List<String> trainableModules, Placement.Precision frozenPrecision) {
        this.tokenizer = tokenizer;
        this.textEncoder = textEncoder;
        this.vae = vae;
        this.controlNet = controlNet;
        this.unet = unet;
        this.schedulerConfig = schedulerConfig;
        this.noiseScheduler = new DDPMScheduler(schedulerConfig);
        this.placement = placement;
        placement.checkAvailable();
        textEncoder.to(new Placement(placement.device(), frozenPrecision));
        vae.to(new Placement(placement.device(), frozenPrecision));
        controlNet.to(placement);
        unet.to(placement);
        textEncoder.requiresGrad(false);
        vae.requiresGrad(false);
        this.trainable = freezeForTraining(controlNet, unet, trainableModules);
    }

    /**
     * Loads the networks a run starts from: the base model's (SD-1.5 or SD-2.x) text encoder, VAE and scheduler,
     * and XPSR's ControlNet and UNet from {@code xpsr} (a checkpoint, whose ControlNet must have the layout the
     * switches ask for), or, when it is null, initialised from the base model's UNet as
     * {@code ControlNetModel.from_unet} (in the switches' fusion mode and with only the DFC heads that are on) and
     * the UNet's fresh pixel attentions.
     */
    public static TrainingModels load(TrainConfig config, Path xpsr) throws IOException {
        Path sd = config.pretrainedModel();
        ClipTokenizer tokenizer = ClipTokenizer.forModel(sd.resolve("tokenizer"));
        XpsrControlNetModel controlNet;
        XpsrUNet2DConditionModel unet;
        XpsrControlNetLayout layout = config.switches().layout();
        if (xpsr != null) {
            controlNet = Pretrained.xpsrControlNet(xpsr.resolve("controlnet"), null);
            checkLayout(controlNet.layout(), layout, xpsr);
            unet = Pretrained.xpsrUnet(xpsr.resolve("unet"), null);
        } else {
            UNet2DConditionModel base = Pretrained.unet(sd.resolve("unet"), null);
            var g = Torch.generator(Seeds.derive(config.seed(), 0));
            controlNet = XpsrInitialization.controlNetFromUnet(base, layout, g);
            unet = XpsrInitialization.unetFromSd(base, g);
        }
        Placement.Precision frozen = switch (config.mixedPrecision()) {
            case "bf16" -> Placement.Precision.BF16;
            case "fp16" -> Placement.Precision.FP16;
            default -> Placement.Precision.FP32;
        };
        return new TrainingModels(tokenizer, Pretrained.textEncoder(sd.resolve("text_encoder"), null),
                Pretrained.vae(sd.resolve("vae"), null), controlNet, unet,
                SchedulerConfig.read(sd.resolve("scheduler").resolve("scheduler_config.json")), config.placement(),
                config.trainableModules(), frozen);
    }

    /** A run continues the ControlNet it starts from; switching its fusion mode or heads needs a fresh start. */
    private static void checkLayout(XpsrControlNetLayout loaded, XpsrControlNetLayout wanted, Path xpsr) {
        if (!loaded.equals(wanted)) {
            throw new TrainConfigException("the ControlNet in " + xpsr.resolve("controlnet") + " has "
                    + loaded.describe() + ", but the keys fusion, dfc_pixel and dfc_latent ask for " + wanted.describe()
                    + "; set them to match the checkpoint, or leave out xpsr_model_path to start from the base model");
        }
    }

    /** The trainable parameters, keyed {@code controlnet.<key>} and {@code unet.<key>}, in a fixed order. */
    public Map<String, Tensor> trainable() {
        return trainable;
    }

    /** The models as the inference pipeline takes them (validation restorations). */
    public XpsrModels forInference() {
        return new XpsrModels(tokenizer, textEncoder, vae, controlNet, unet, schedulerConfig, placement);
    }

    /**
     * Sets {@code requires_grad} as {@code train.py} l.640-649 does and returns the trainable parameters: the whole
     * ControlNet, and of the UNet only the parameters of modules whose name ends with one of {@code suffixes}
     * ({@code trainable_modules}); every other UNet parameter is frozen and gets no gradient.
     *
     * @return the trainable parameters keyed {@code controlnet.<key>} and {@code unet.<key>}
     * @throws TrainConfigException when no UNet module matches
     */
    static Map<String, Tensor> freezeForTraining(XpsrControlNetModel controlNet, XpsrUNet2DConditionModel unet,
                                                 List<String> suffixes) {
        controlNet.requiresGrad(true);
        unet.requiresGrad(false);
        Map<String, Tensor> out = new LinkedHashMap<>();
        controlNet.namedParameters().forEach((k, v) -> out.put(CONTROLNET + k, v));
        int unetCount = 0;
        for (Map.Entry<String, Tensor> e : unet.namedParameters().entrySet()) {
            if (insideModuleEndingWith(e.getKey(), suffixes)) {
                e.getValue().requires_grad_(true);
                out.put(UNET + e.getKey(), e.getValue());
                unetCount++;
            }
        }
        if (unetCount == 0) {
            throw new TrainConfigException("no UNet module name ends with any of trainable_modules " + suffixes);
        }
        return out;
    }

    /** Whether a module on the parameter's path has a name ending with a suffix ({@code named_modules} test). */
    static boolean insideModuleEndingWith(String key, List<String> suffixes) {
        int dot = key.lastIndexOf('.');
        while (dot > 0) {
            String module = key.substring(0, dot);
            for (String s : suffixes) {
                if (module.endsWith(s)) {
                    return true;
                }
            }
            dot = module.lastIndexOf('.');
        }
        return false;
    }
}
