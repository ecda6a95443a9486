package dev.xpsr.scheduler;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.List;

/**
 * What DDPM, DDIM and UniPC share: the float32 noise schedule, the timestep grid, {@code add_noise} and
 * {@code get_velocity}.
 *
 * <p>Precision: diffusers does the per-step coefficient arithmetic on 0-d float32 tensors ({@code 1 - alpha},
 * {@code alpha ** 0.5}, {@code a / b}); each of those is one IEEE float32 operation, which is what Java
 * {@code float} arithmetic gives ({@link #sqrt} rounds the exact double square root once, which equals the
 * float32 square root). Tensor-times-coefficient products are float32 multiplies in both. The schedule tables
 * are therefore plain Java {@code float[]}: no schedule tensor has to outlive the caller's {@code PointerScope}
 * ({@link #alphasCumprod()} and {@link #betas()} build new tensors on demand).
 */
abstract class BaseScheduler implements Scheduler {
    protected final SchedulerConfig config;
    protected final int numTrainTimesteps;
    protected final float[] betas;
    protected final float[] alphasCumprod;
    protected long[] timesteps;
    /** 0 until {@link #setTimesteps} is called. */
    protected int numInferenceSteps;

    BaseScheduler(SchedulerConfig config, float[] betas) {
        this.config = config;
        this.numTrainTimesteps = config.numTrainTimesteps();
        this.betas = betas;
        this.alphasCumprod = NoiseSchedule.alphasCumprod(betas);
        this.timesteps = TimestepGrid.allTrainTimesteps(numTrainTimesteps);
    }

    /** The configured spacing, or the class default when the config does not set one. */
    static String spacing(SchedulerConfig c, String classDefault, List<String> valid, String className) {
        String s = c.timestepSpacing().orElse(classDefault);
        Checks.requireChoice("timestep_spacing", s, valid, className);
        return s;
    }

    static void requirePredictionType(SchedulerConfig c, String className) {
        Checks.requireChoice("prediction_type", c.predictionType(), List.of("epsilon", "sample", "v_prediction"),
                className);
        Checks.requireOff("thresholding", c.thresholding(), className,
                "dynamic thresholding is meant for pixel-space models, not latent diffusion");
    }

    @Override
    public long[] timesteps() {
        return timesteps.clone();
    }

    @Override
    public float initNoiseSigma() {
        return 1f;
    }

    @Override
    public Tensor scaleModelInput(Tensor sample, long timestep) {
        return sample;
    }

    @Override
    public SchedulerConfig config() {
        return config;
    }

    @Override
    public Tensor alphasCumprod() {
        return Torch.fromFloats(alphasCumprod.clone(), alphasCumprod.length);
    }

    @Override
    public Tensor betas() {
        return Torch.fromFloats(betas.clone(), betas.length);
    }

    /** {@code sqrt(ᾱ_t)·original + sqrt(1 − ᾱ_t)·noise}, as diffusers' {@code add_noise}. */
    @Override
    public Tensor addNoise(Tensor original, Tensor noise, long timestep) {
        float a = alphaCumprod(timestep);
        return Torch.mul(original, sqrt(a)).add(Torch.mul(noise, sqrt(1f - a)));
    }

    /** {@code sqrt(ᾱ_t)·noise − sqrt(1 − ᾱ_t)·sample}: the v-prediction target (diffusers' {@code get_velocity}). */
    protected Tensor velocity(Tensor sample, Tensor noise, long timestep) {
        float a = alphaCumprod(timestep);
        return Torch.mul(noise, sqrt(a)).sub(Torch.mul(sample, sqrt(1f - a)));
    }

    /** ᾱ_t, failing clearly for a timestep outside the training range. */
    protected float alphaCumprod(long timestep) {
        if (timestep < 0 || timestep >= numTrainTimesteps) {
            throw new IllegalArgumentException("timestep " + timestep + " is outside 0.." + (numTrainTimesteps - 1));
        }
        return alphasCumprod[(int) timestep];
    }

    /**
     * The position of {@code timestep} on the inference grid; diffusers' multistep solvers take one that is not on
     * it as the last step.
     */
    protected int stepIndex(long timestep) {
        for (int i = 0; i < timesteps.length; i++) {
            if (timesteps[i] == timestep) {
                return i;
            }
        }
        return timesteps.length - 1;
    }

    /** {@code timestep} as an index of the training schedule's tables. */
    protected int index(long timestep) {
        if (timestep < 0 || timestep >= numTrainTimesteps) {
            throw new IllegalArgumentException("timestep " + timestep + " is outside 0.." + (numTrainTimesteps - 1));
        }
        return (int) timestep;
    }

    protected void requireTimesteps() {
        if (numInferenceSteps == 0) {
            throw new IllegalStateException(getClass().getSimpleName()
                    + ": call setTimesteps(numInferenceSteps) before step()");
        }
    }

    /** Draws the step's noise, shaped like the model output. */
    protected static Tensor drawNoise(NoiseSource noise, Tensor like) {
        if (noise == null) {
            throw new IllegalArgumentException("this step adds noise, so a NoiseSource (or Generator) is required");
        }
        return noise.next(Torch.shape(like));
    }

    /** float32 square root (the exact root rounded once to float). */
    protected static float sqrt(float x) {
        return (float) Math.sqrt(x);
    }

    /**
     * x̂₀ from the model output for the three prediction types: ε: {@code (x − sqrt(1−ᾱ)·ε)/sqrt(ᾱ)};
     * sample: the output itself; v: {@code sqrt(ᾱ)·x − sqrt(1−ᾱ)·v}.
     */
    protected Tensor predictOriginal(Tensor modelOutput, Tensor sample, float alphaProd) {
        float betaProd = 1f - alphaProd;
        return switch (config.predictionType()) {
            case "epsilon" -> Torch.div(sample.sub(Torch.mul(modelOutput, sqrt(betaProd))), sqrt(alphaProd));
            case "sample" -> modelOutput;
            case "v_prediction" -> Torch.mul(sample, sqrt(alphaProd)).sub(Torch.mul(modelOutput, sqrt(betaProd)));
            default -> throw new IllegalStateException("unreachable: " + config.predictionType());
        };
    }

    /** {@code clip_sample}: clamps x̂₀ to ±clip_sample_range. */
    protected Tensor clipIfConfigured(Tensor predOriginal) {
        if (!config.clipSample()) {
            return predOriginal;
        }
        double r = config.clipSampleRange();
        return Torch.clamp(predOriginal, -r, r);
    }

    /**
     * A handle of our own on {@code t}'s storage, kept alive past the caller's {@code PointerScope}; the caller's
     * handle is left untouched so releasing ours can never free theirs.
     */
    protected static Tensor retain(Tensor t) {
        Tensor own = new Tensor(t);
        own.retainReference();
        return own;
    }

    protected static void release(Tensor own) {
        if (own != null) {
            own.close();
        }
    }
}
