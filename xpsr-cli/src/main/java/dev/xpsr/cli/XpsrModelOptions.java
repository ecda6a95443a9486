package dev.xpsr.cli;

import dev.xpsr.api.Upscaler;
import dev.xpsr.hub.HubClient;
import dev.xpsr.hub.HubSettings;
import dev.xpsr.pipeline.XpsrModels;
import dev.xpsr.torch.Placement;
import dev.xpsr.util.ByteSize;
import picocli.CommandLine.Option;


/** Where XPSR's networks come from and how they are kept in memory. */
final class XpsrModelOptions {
    @Option(names = "--xpsr", paramLabel = "DIR",
            description = "XPSR's checkpoint: a folder holding controlnet/ and unet/ (checkpoint-300000 of the release) "
                    + "or a Hugging Face repo id with them.")
    String xpsr;

    @Option(names = "--model", defaultValue = Upscaler.Builder.DEFAULT_BASE_MODEL, paramLabel = "MODEL",
            description = "The base model the XPSR checkpoint was trained on: Stable Diffusion 1.5, or 2.x (e.g. "
                    + "stabilityai/stable-diffusion-2-1-base) for a checkpoint trained on it; a diffusers folder "
                    + "(text_encoder/, tokenizer/, vae/, scheduler/) or a Hugging Face repo id, downloaded once into "
                    + "the standard cache (HF_HOME, HF_HUB_CACHE, HF_TOKEN, HF_HUB_OFFLINE honoured) "
                    + "(default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--variant", description = "Weight file variant to read, e.g. fp16 (default: the full files).")
    String variant;

    @Option(names = "--residency", defaultValue = "auto",
            description = "resident: load all networks once and keep them; sequential: load each stage's networks "
                    + "(text encoder, VAE, ControlNet + UNet) when it runs and free them after, for the lowest peak "
                    + "memory; auto: from --memory-budget when given, else sequential on the CPU and resident on CUDA "
                    + "(default: ${DEFAULT-VALUE}).")
    String residency;

    @Option(names = "--memory-budget", paramLabel = "SIZE",
            description = "Most memory the models and one restoration may take (e.g. 12G): chooses the residency, or "
                    + "refuses with the estimate when even one stage at a time would not fit.")
    String memoryBudget;

    /** The builder's model settings; {@code downloads} reports Hugging Face downloads. */
    Upscaler.Builder configure(Upscaler.Builder b, Placement placement, DownloadProgress downloads) {
        if (xpsr != null) {
            b.xpsrWeights(xpsr);
        }
        b.baseModel(model).variant(variant).placement(placement).residency(residency())
                .hub(HubClient.builder(HubSettings.fromSystem()).listener(downloads).build());
        if (memoryBudget != null) {
            b.memoryBudget(ByteSize.parse(memoryBudget));
        }
        return b;
    }

    private XpsrModels.Residency residency() {
        try {
            return XpsrModels.Residency.parseOption(residency).orElse(null);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--" + e.getMessage());
        }
    }
}
