package dev.xpsr.scheduler;

import org.bytedeco.pytorch.Tensor;

/**
 * Supplies the standard-normal noise a stochastic step adds (DDPM for t &gt; 0, DDIM with η &gt; 0).
 *
 * <p>A step asks at most once, and only when it adds noise, so a source backed by a seeded generator draws
 * exactly what diffusers' {@code randn_tensor(model_output.shape, generator=...)} draws at that step.
 */
@FunctionalInterface
public interface NoiseSource {
    /** A float32 standard-normal tensor of the given shape. */
    Tensor next(long[] shape);
}
