package dev.xpsr.api;

import dev.xpsr.io.CheckpointFiles;
import dev.xpsr.io.TensorInfo;
import dev.xpsr.pipeline.XpsrModels;
import dev.xpsr.torch.Placement;
import dev.xpsr.util.ProcessMemory;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Chooses how XPSR's networks stay in memory from a memory budget: all four resident when they and one
 * restoration's activations fit, else one stage at a time, else a clear refusal. Weight sizes are read from the
 * weight files' headers (parameter count × the placement's element size); the activations of one restoration are
 * taken as {@link #ACTIVATIONS_FP32} (measured: one denoising step at a 64×64 latent, the 512×512 case, peaks
 * 0.77 GiB over its weights; the VAE stages stay near 1 GiB with XPSR's tiles), halved for 16-bit precisions.
 */
final class MemoryPlan {
    static final long ACTIVATIONS_FP32 = 1L << 30;

    private MemoryPlan() {
    }

    static XpsrModels.Residency residency(XpsrModels.Residency asked, long budget, Placement placement, Path sd15,
                                          Path xpsr, String variant) throws IOException {
        if (asked != null) {
            return asked;
        }
        if (budget == 0) {
            return placement.isCuda() ? XpsrModels.Residency.RESIDENT : XpsrModels.Residency.SEQUENTIAL;
        }
        int element = placement.precision() == Placement.Precision.FP32 ? 4 : 2;
        long textEncoder = element * parameters(sd15.resolve("text_encoder"), variant);
        long vae = element * parameters(sd15.resolve("vae"), variant);
        long denoiser = element * (parameters(xpsr.resolve("controlnet"), variant)
                + parameters(xpsr.resolve("unet"), variant));
        long activations = ACTIVATIONS_FP32 * element / 4;
        if (textEncoder + vae + denoiser + activations <= budget) {
            return XpsrModels.Residency.RESIDENT;
        }
        long sequential = Math.max(Math.max(textEncoder, vae), denoiser) + activations;
        if (sequential <= budget) {
            return XpsrModels.Residency.SEQUENTIAL;
        }
        throw new IllegalArgumentException("memoryBudget " + ProcessMemory.format(budget) + " is below what XPSR "
                + "needs in " + placement.precision() + ": about " + ProcessMemory.format(sequential) + " with one "
                + "stage loaded at a time (ControlNet + UNet weights " + ProcessMemory.format(denoiser) + " plus about "
                + ProcessMemory.format(activations) + " of activations for a 512x512 output); raise the budget or use "
                + "a 16-bit precision");
    }

    private static long parameters(Path modelDir, String variant) throws IOException {
        try (CheckpointFiles files = CheckpointFiles.open(CheckpointFiles.findWeights(modelDir, variant))) {
            long n = 0;
            for (String key : files.keys()) {
                TensorInfo info = files.info(key);
                long numel = 1;
                for (long d : info.shape()) {
                    numel *= d;
                }
                n += numel;
            }
            return n;
        }
    }
}
