package dev.xpsr.scheduler;

import org.bytedeco.pytorch.Tensor;

/**
 * What one denoising step returns, like diffusers' {@code DDPMSchedulerOutput} / {@code DDIMSchedulerOutput}.
 *
 * @param prevSample          x_{t-1}, the next input of the denoising loop
 * @param predOriginalSample  the step's estimate of x̂₀ (for UniPC with {@code predict_x0}: the converted model
 *                            output the solver works on); both tensors belong to the caller's {@code PointerScope}
 */
public record StepOutput(Tensor prevSample, Tensor predOriginalSample) {
}
