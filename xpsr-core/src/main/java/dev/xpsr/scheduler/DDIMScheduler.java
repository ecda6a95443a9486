package dev.xpsr.scheduler;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.List;

/**
 * Denoising diffusion implicit model sampler (Song et al. 2020), reproducing diffusers 0.21.4
 * {@code schedulers/scheduling_ddim.py} ({@code DDIMScheduler}) in float32.
 *
 * <p>Step from t to t' = t − T/n (ᾱ_{t'} = final_alpha_cumprod when t' &lt; 0: 1 with {@code set_alpha_to_one},
 * else ᾱ_0):
 * <pre>
 *   x̂₀   = (x_t − sqrt(1−ᾱ_t)·ε) / sqrt(ᾱ_t), ε = model output     (formula 12; "sample"/"v_prediction" too)
 *   x̂₀   = clamp(x̂₀, ±clip_sample_range)                          (when clip_sample)
 *   σ_t  = η · sqrt((1−ᾱ_{t'})/(1−ᾱ_t) · (1 − ᾱ_t/ᾱ_{t'}))          (formula 16)
 *   ε    = (x_t − sqrt(ᾱ_t)·x̂₀) / sqrt(1−ᾱ_t)                      (only with use_clipped_model_output)
 *   x_t' = sqrt(ᾱ_{t'})·x̂₀ + sqrt(1 − ᾱ_{t'} − σ_t²)·ε + σ_t·z     (z drawn only when η &gt; 0)
 * </pre>
 * η and {@code use_clipped_model_output} come from {@link SchedulerConfig#eta()} and
 * {@link SchedulerConfig#useClippedModelOutput()}. {@code rescale_betas_zero_snr} is supported; dynamic
 * thresholding is not.
 */
public final class DDIMScheduler extends BaseScheduler {
    static final String CLASS = "DDIMScheduler";
    private static final List<String> SCHEDULES = List.of("linear", "scaled_linear", "squaredcos_cap_v2");
    private static final List<String> SPACINGS = List.of("linspace", "leading", "trailing");

    private final String spacing;
    private final float finalAlphaCumprod;
    private final float eta;

    /**
     * @throws IllegalArgumentException for an unsupported {@code beta_schedule}, {@code prediction_type},
     *                                  {@code timestep_spacing}, a negative η or malformed values
     */
    public DDIMScheduler(SchedulerConfig config) {
        super(config, ddimBetas(config));
        requirePredictionType(config, CLASS);
        if (!(config.eta() >= 0)) {
            throw new IllegalArgumentException("eta must be >= 0, got " + config.eta());
        }
        this.spacing = spacing(config, "leading", SPACINGS, CLASS);
        this.finalAlphaCumprod = config.setAlphaToOne() ? 1f : alphasCumprod[0];
        this.eta = (float) config.eta();
    }

    private static float[] ddimBetas(SchedulerConfig config) {
        float[] betas = NoiseSchedule.betas(config, SCHEDULES, CLASS);
        return config.rescaleBetasZeroSnr() ? NoiseSchedule.rescaleZeroTerminalSnr(betas) : betas;
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

    /** ᾱ used after the last step (1 or ᾱ_0, by {@code set_alpha_to_one}). */
    public float finalAlphaCumprod() {
        return finalAlphaCumprod;
    }

    @Override
    public StepOutput step(Tensor modelOutput, long timestep, Tensor sample, NoiseSource noise) {
        requireTimesteps();
        long prev = timestep - numTrainTimesteps / numInferenceSteps;
        float alphaProd = alphaCumprod(timestep);
        float alphaProdPrev = prev >= 0 ? alphaCumprod(prev) : finalAlphaCumprod;
        float betaProd = 1f - alphaProd;

        Tensor predOriginal = clipIfConfigured(predictOriginal(modelOutput, sample, alphaProd));
        Tensor predEpsilon = config.useClippedModelOutput() || !"epsilon".equals(config.predictionType())
                ? epsilonFrom(predOriginal, modelOutput, sample, alphaProd)
                : modelOutput;
        float variance = (1f - alphaProdPrev) / betaProd * (1f - alphaProd / alphaProdPrev);
        float std = eta * sqrt(variance);
        Tensor direction = Torch.mul(predEpsilon, sqrt(1f - alphaProdPrev - std * std));
        Tensor prevSample = Torch.mul(predOriginal, sqrt(alphaProdPrev)).add(direction);
        if (eta > 0) {
            prevSample = prevSample.add(Torch.mul(drawNoise(noise, modelOutput), std));
        }
        return new StepOutput(prevSample, predOriginal);
    }

    /** {@code get_velocity}: sqrt(ᾱ_t)·noise − sqrt(1 − ᾱ_t)·sample. */
    public Tensor getVelocity(Tensor sample, Tensor noise, long timestep) {
        return velocity(sample, noise, timestep);
    }

    /**
     * ε as diffusers derives it: with {@code use_clipped_model_output} from the clipped x̂₀,
     * {@code (x − sqrt(ᾱ)·x̂₀)/sqrt(1−ᾱ)}; otherwise by prediction type ("sample": the same formula on the
     * unclipped model output; "v_prediction": {@code sqrt(ᾱ)·v + sqrt(1−ᾱ)·x}).
     */
    private Tensor epsilonFrom(Tensor predOriginal, Tensor modelOutput, Tensor sample, float alphaProd) {
        float betaProd = 1f - alphaProd;
        if (!config.useClippedModelOutput() && "v_prediction".equals(config.predictionType())) {
            return Torch.mul(modelOutput, sqrt(alphaProd)).add(Torch.mul(sample, sqrt(betaProd)));
        }
        Tensor x0 = config.useClippedModelOutput() ? predOriginal : modelOutput;
        return Torch.div(sample.sub(Torch.mul(x0, sqrt(alphaProd))), sqrt(betaProd));
    }
}
