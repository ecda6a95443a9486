package dev.xpsr.scheduler;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

import java.util.concurrent.ThreadLocalRandom;

/**
 * A diffusers-compatible sampler: the timestep grid plus the update x_t → x_{t-1} given the model output.
 *
 * <p>Usage is diffusers' loop: {@link #setTimesteps}, then for each {@code t} of {@link #timesteps()}
 * {@code sample = step(model(scaleModelInput(sample, t), t), t, sample, noise).prevSample()}. Tensors returned by
 * any method belong to the caller's {@code PointerScope}; state kept across steps is owned by the scheduler.
 * Instances are stateful (multistep history) and not thread-safe.
 */
public interface Scheduler {

    /**
     * Builds the inference timestep grid and resets any multistep state; must be called before {@link #step}.
     *
     * @throws IllegalArgumentException when {@code numInferenceSteps} is not in {@code 1..num_train_timesteps}
     */
    void setTimesteps(int numInferenceSteps);

    /** The inference timesteps, in sampling order (descending). */
    long[] timesteps();

    /** Standard deviation of the initial noise (1 for these variance-preserving schedulers). */
    float initNoiseSigma();

    /** The model input for {@code sample} at {@code timestep} (the identity for DDPM, DDIM and UniPC). */
    Tensor scaleModelInput(Tensor sample, long timestep);

    /**
     * One step, drawing any noise it needs from {@code generator} with {@link Torch#randn}.
     *
     * @param generator the stream to draw from; {@code null} uses a fresh, randomly seeded generator
     */
    default StepOutput step(Tensor modelOutput, long timestep, Tensor sample, Generator generator) {
        Generator g = generator != null ? generator : Torch.generator(ThreadLocalRandom.current().nextLong());
        return step(modelOutput, timestep, sample, shape -> Torch.randn(g, shape));
    }

    /**
     * One step with the noise (when the step adds any) taken from {@code noise}.
     *
     * @throws IllegalStateException when {@link #setTimesteps} was not called
     */
    StepOutput step(Tensor modelOutput, long timestep, Tensor sample, NoiseSource noise);

    /** Forward diffusion q(x_t | x_0): {@code sqrt(ᾱ_t)·original + sqrt(1 − ᾱ_t)·noise}. */
    Tensor addNoise(Tensor original, Tensor noise, long timestep);

    /** ᾱ_t for t = 0..num_train_timesteps−1, float32 (a new tensor). */
    Tensor alphasCumprod();

    /** β_t for t = 0..num_train_timesteps−1, float32 (a new tensor). */
    Tensor betas();

    /** The resolved config this scheduler was built from. */
    SchedulerConfig config();
}
