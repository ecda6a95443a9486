package dev.xpsr.spark;

import dev.xpsr.api.Method;
import dev.xpsr.api.Upscaler;
import dev.xpsr.pipeline.XpsrModels;
import dev.xpsr.torch.Placement;

import java.io.IOException;
import java.io.Serial;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The restoration an executor builds its one {@link Upscaler} for: the method, where its weights are, the device
 * and precision, how XPSR's networks are kept in memory, and where prompts come from. Weight folders are read by
 * every executor at the same path (baked into the container image or on a shared mount); repo ids are fetched once
 * per executor into its Hugging Face cache.
 *
 * @param xpsrWeights    XPSR's checkpoint folder or repo id (XPSR only)
 * @param baseModel      the Stable Diffusion 1.5 or 2.x folder or repo id XPSR was trained on (XPSR only)
 * @param variant        weight file variant, e.g. fp16, or null for the full files
 * @param device         cpu, cuda (the task's GPU, {@link TaskDevice}) or cuda:N
 * @param dtype          fp32, fp16 or bf16
 * @param residency      XPSR's residency, or null to choose it as the library does
 * @param memoryBudget   bytes the models and one restoration may take, 0 for no limit
 * @param baselineModels folder of the baseline networks, or null for the repository's fixtures/data/models
 */
record UpscalerSpec(Method method, String xpsrWeights, String baseModel, String variant, String device,
                    String dtype, XpsrModels.Residency residency, long memoryBudget, String baselineModels,
                    PromptSettings prompts) implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    UpscalerSpec {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(baseModel, "baseModel");
        Objects.requireNonNull(prompts, "prompts");
        Placement.parse(device, dtype); // fails here, on the driver, naming a bad device or dtype
        if (memoryBudget < 0) {
            throw new IllegalArgumentException("memoryBudget must be at least 0 bytes, got " + memoryBudget);
        }
    }

    /**
     * What one executor builds: this spec on its resolved device, restoring {@code concurrency} images at once
     * with {@code threads} ATen threads each.
     */
    record OnExecutor(UpscalerSpec spec, String device, int threads, int concurrency) {
        Upscaler build() throws IOException {
            Upscaler.Builder b = Upscaler.builder(spec.method()).placement(Placement.parse(device, spec.dtype()))
                    .baseModel(spec.baseModel()).variant(spec.variant()).residency(spec.residency())
                    .memoryBudget(spec.memoryBudget()).threads(threads).concurrency(concurrency)
                    .promptSources(spec.prompts().highlevel(), spec.prompts().lowlevel());
            if (spec.xpsrWeights() != null) {
                b.xpsrWeights(spec.xpsrWeights());
            }
            if (spec.baselineModels() != null) {
                b.baselineModels(Path.of(spec.baselineModels()));
            }
            return b.build();
        }
    }
}
