package dev.xpsr.scheduler;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.List;

/**
 * Denoising diffusion probabilistic model sampler (Ho et al. 2020), reproducing diffusers 0.21.4
 * {@code schedulers/scheduling_ddpm.py} ({@code DDPMScheduler}) in float32. This is XPSR's inference sampler
 * ({@code test.py} loads SD-1.5's scheduler config into it).
 *
 * <p>Step from t to t' = t − T/n (integer division; ᾱ_{t'} = 1 when t' &lt; 0), with α_t = ᾱ_t/ᾱ_{t'} and
 * β_t = 1 − α_t:
 * <pre>
 *   x̂₀   = (x_t − sqrt(1−ᾱ_t)·ε) / sqrt(ᾱ_t)            (ε-prediction; "sample" and "v_prediction" also supported)
 *   x̂₀   = clamp(x̂₀, ±clip_sample_range)               (when clip_sample)
 *   μ    = sqrt(ᾱ_{t'})·β_t/(1−ᾱ_t) · x̂₀ + sqrt(α_t)·(1−ᾱ_{t'})/(1−ᾱ_t) · x_t     (formula 7)
 *   σ²   = max((1−ᾱ_{t'})/(1−ᾱ_t) · β_t, 1e-20)          (fixed_small; fixed_large: σ² = β_t)
 *   x_t' = μ + σ·z, z ~ N(0, I) drawn only when t &gt; 0  (fixed_small_log: exp(½·log σ²)·z)
 * </pre>
 * Timestep grids: {@code leading} (default) {@code (arange(n)·(T/n))[::-1] + steps_offset}, {@code trailing},
 * {@code linspace}. The {@code learned}/{@code learned_range} variance types and dynamic thresholding are not
 * provided (rejected at construction).
 */
public final class DDPMScheduler extends BaseScheduler {
    static final String CLASS = "DDPMScheduler";
    private static final List<String> SCHEDULES = List.of("linear", "scaled_linear", "squaredcos_cap_v2", "sigmoid");
    private static final List<String> SPACINGS = List.of("linspace", "leading", "trailing");
    private static final List<String> VARIANCE_TYPES = List.of("fixed_small", "fixed_small_log", "fixed_large");

    private final String spacing;

    /**
     * @throws IllegalArgumentException for an unsupported {@code beta_schedule}, {@code variance_type},
     *                                  {@code prediction_type}, {@code timestep_spacing} or malformed values
     */
    public DDPMScheduler(SchedulerConfig config) {
        super(config, NoiseSchedule.betas(config, SCHEDULES, CLASS));
        Checks.requireChoice("variance_type", config.varianceType(), VARIANCE_TYPES, CLASS);
        requirePredictionType(config, CLASS);
        this.spacing = spacing(config, "leading", SPACINGS, CLASS);
    }

    @Override
    public void setTimesteps(int numInferenceSteps) {
        Checks.requireInferenceSteps(numInferenceSteps, numTrainTimesteps);
        timesteps = switch (spacing) {
            case "linspace" -> TimestepGrid.linspace(numTrainTimesteps - 1, numInferenceSteps);
            case "leading" -> TimestepGrid.leading(numInferenceSteps, numTrainTimesteps / numInferenceSteps,
                    config.stepsOffset(), numTrainTimesteps);
            default -> TimestepGrid.trailing(numTrainTimesteps, numInferenceSteps);
        };
        this.numInferenceSteps = numInferenceSteps;
    }

    @Override
    public StepOutput step(Tensor modelOutput, long timestep, Tensor sample, NoiseSource noise) {
        requireTimesteps();
        long prev = previousTimestep(timestep);
        float alphaProd = alphaCumprod(timestep);
        float alphaProdPrev = prev >= 0 ? alphaCumprod(prev) : 1f;
        float betaProd = 1f - alphaProd;
        float currentAlpha = alphaProd / alphaProdPrev;
        float currentBeta = 1f - currentAlpha;

        Tensor predOriginal = clipIfConfigured(predictOriginal(modelOutput, sample, alphaProd));
        float originalCoeff = sqrt(alphaProdPrev) * currentBeta / betaProd;
        float sampleCoeff = sqrt(currentAlpha) * (1f - alphaProdPrev) / betaProd;
        Tensor prevSample = Torch.mul(predOriginal, originalCoeff).add(Torch.mul(sample, sampleCoeff));
        if (timestep > 0) {
            // diffusers draws the noise for every t > 0, including the last step when t' < 0
            Tensor z = drawNoise(noise, modelOutput);
            prevSample = prevSample.add(Torch.mul(z, noiseScale(alphaProd, alphaProdPrev, currentBeta)));
        }
        return new StepOutput(prevSample, predOriginal);
    }

    /** {@code get_velocity}: sqrt(ᾱ_t)·noise − sqrt(1 − ᾱ_t)·sample. */
    public Tensor getVelocity(Tensor sample, Tensor noise, long timestep) {
        return velocity(sample, noise, timestep);
    }

    /** t − T/n: the timestep the step lands on (negative after the last one). */
    long previousTimestep(long timestep) {
        return timestep - numTrainTimesteps / numInferenceSteps;
    }

    /** The factor of z: σ (fixed_small, fixed_large) or exp(½·log σ²) (fixed_small_log), float32 as diffusers. */
    private float noiseScale(float alphaProd, float alphaProdPrev, float currentBeta) {
        float variance = (1f - alphaProdPrev) / (1f - alphaProd) * currentBeta;
        variance = Math.max(variance, 1e-20f);
        return switch (config.varianceType()) {
            case "fixed_small" -> sqrt(variance);
            case "fixed_small_log" -> (float) Math.exp(0.5f * (float) Math.log(variance));
            case "fixed_large" -> sqrt(currentBeta);
            default -> throw new IllegalStateException("unreachable: " + config.varianceType());
        };
    }
}
