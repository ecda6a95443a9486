package dev.xpsr.scheduler;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.List;

/**
 * DPM-Solver++ (Lu et al. 2022, arXiv 2211.01095), multistep, orders 1 and 2, reproducing diffusers 0.21.4
 * {@code schedulers/scheduling_dpmsolver_multistep.py} ({@code DPMSolverMultistepScheduler}) with its defaults:
 * {@code algorithm_type dpmsolver++}, {@code solver_order 2} ("DPM-Solver++ 2M"), {@code lower_order_final},
 * deterministic (no SDE variant), without thresholding, Karras sigmas or {@code lambda_min_clipped}.
 *
 * <p>Notation as in {@link UniPCMultistepScheduler}: α_t = sqrt(ᾱ_t), σ_t = sqrt(1 − ᾱ_t),
 * λ_t = log α_t − log σ_t. The solver works on the data prediction m = x̂₀ (from ε: (x − σ_s·ε)/α_s). A step
 * from s₀ to t, with the previous step's m₁ at s₁:
 * <pre>
 *   h = λ_t − λ_{s₀}
 *   first order:   x_t = σ_t/σ_{s₀}·x − α_t·(e^{−h} − 1)·m₀
 *   second order:  r₀ = (λ_{s₀} − λ_{s₁})/h,  D₀ = m₀,  D₁ = (m₀ − m₁)/r₀
 *     midpoint:    x_t = σ_t/σ_{s₀}·x − α_t·(e^{−h} − 1)·D₀ − ½·α_t·(e^{−h} − 1)·D₁
 *     heun:        x_t = σ_t/σ_{s₀}·x − α_t·(e^{−h} − 1)·D₀ + α_t·((e^{−h} − 1)/h + 1)·D₁
 * </pre>
 * The first step is first order (no history); with {@code lower_order_final} and fewer than 15 steps, so is the
 * last, which goes to timestep 0. diffusers maps the UniPC solver types ({@code bh1}, {@code bh2},
 * {@code logrho}) to midpoint, as here.
 *
 * <p>State: the previous step's data prediction and timestep (a retained handle, released as it leaves the window),
 * cleared by {@link #setTimesteps}.
 */
public final class DPMSolverMultistepScheduler extends BaseScheduler {
    static final String CLASS = "DPMSolverMultistepScheduler";
    private static final List<String> SCHEDULES = List.of("linear", "scaled_linear", "squaredcos_cap_v2");
    private static final List<String> SPACINGS = List.of("linspace", "leading", "trailing");
    private static final List<String> SOLVER_TYPES = List.of("midpoint", "heun", "bh1", "bh2", "logrho");
    /** diffusers keeps both orders up to the end from this many steps on. */
    private static final int LOWER_ORDER_FINAL_BELOW = 15;

    private final float[] alphaT;
    private final float[] sigmaT;
    private final float[] lambdaT;
    private final int solverOrder;
    private final boolean heun;
    private final String spacing;

    private Tensor previousOutput;
    private long previousTimestep;

    /**
     * @throws IllegalArgumentException for an unsupported {@code beta_schedule}, {@code algorithm_type},
     *                                  {@code solver_type}, {@code prediction_type}, {@code timestep_spacing},
     *                                  {@code solver_order} outside 1..2, thresholding or Karras sigmas
     */
    public DPMSolverMultistepScheduler(SchedulerConfig config) {
        super(config, NoiseSchedule.betas(config, SCHEDULES, CLASS));
        requirePredictionType(config, CLASS);
        Checks.requireChoice("algorithm_type", config.algorithmType(), List.of("dpmsolver++"), CLASS);
        Checks.requireChoice("solver_type", config.solverType(), SOLVER_TYPES, CLASS);
        Checks.requireOff("use_karras_sigmas", config.useKarrasSigmas(), CLASS, "Karras sigmas are not provided");
        Checks.requireOff("thresholding", config.thresholding(), CLASS, "dynamic thresholding is not provided");
        if (config.solverOrder() < 1 || config.solverOrder() > 2) {
            throw new IllegalArgumentException("solver_order must be 1 or 2 for this " + CLASS + ", got "
                    + config.solverOrder());
        }
        this.solverOrder = config.solverOrder();
        this.heun = "heun".equals(config.solverType());
        this.spacing = spacing(config, "linspace", SPACINGS, CLASS);
        this.alphaT = new float[numTrainTimesteps];
        this.sigmaT = new float[numTrainTimesteps];
        this.lambdaT = new float[numTrainTimesteps];
        for (int i = 0; i < numTrainTimesteps; i++) {
            alphaT[i] = sqrt(alphasCumprod[i]);
            sigmaT[i] = sqrt(1f - alphasCumprod[i]);
            lambdaT[i] = (float) Math.log(alphaT[i]) - (float) Math.log(sigmaT[i]);
        }
    }

    /** Builds the grid and clears the history, so every sampling run starts fresh. */
    @Override
    public void setTimesteps(int numInferenceSteps) {
        Checks.requireInferenceSteps(numInferenceSteps, numTrainTimesteps);
        timesteps = TimestepGrid.multistep(spacing, numTrainTimesteps, numInferenceSteps, config.stepsOffset());
        this.numInferenceSteps = timesteps.length;
        release(previousOutput);
        previousOutput = null;
    }

    @Override
    public StepOutput step(Tensor modelOutput, long timestep, Tensor sample, NoiseSource noise) {
        requireTimesteps();
        int stepIndex = stepIndex(timestep);
        boolean last = stepIndex == timesteps.length - 1;
        long prevTimestep = last ? 0 : timesteps[stepIndex + 1];
        boolean lowerOrderFinal = last && config.lowerOrderFinal() && timesteps.length < LOWER_ORDER_FINAL_BELOW;
        Tensor m0 = dataPrediction(modelOutput, timestep, sample);
        Tensor prevSample = solverOrder == 1 || previousOutput == null || lowerOrderFinal
                ? firstOrder(m0, timestep, prevTimestep, sample)
                : secondOrder(m0, timestep, prevTimestep, sample);
        release(previousOutput);
        previousOutput = retain(m0);
        previousTimestep = timestep;
        return new StepOutput(prevSample, m0);
    }

    /** x̂₀ from an ε, v or sample prediction. */
    private Tensor dataPrediction(Tensor modelOutput, long timestep, Tensor sample) {
        int s = index(timestep);
        return switch (config.predictionType()) {
            case "epsilon" -> Torch.div(sample.sub(Torch.mul(modelOutput, sigmaT[s])), alphaT[s]);
            case "sample" -> modelOutput;
            default -> Torch.mul(sample, alphaT[s]).sub(Torch.mul(modelOutput, sigmaT[s]));
        };
    }

    /** DPM-Solver++ first order (DDIM in λ): σ_t/σ_s·x − α_t·(e^{−h} − 1)·m₀. */
    private Tensor firstOrder(Tensor m0, long s0, long t, Tensor sample) {
        int ti = index(t);
        int si = index(s0);
        float h = lambdaT[ti] - lambdaT[si];
        return Torch.mul(sample, sigmaT[ti] / sigmaT[si]).sub(Torch.mul(m0, alphaT[ti] * expm1(-h)));
    }

    /** DPM-Solver++ 2M: the first-order step plus the D₁ term from the previous data prediction. */
    private Tensor secondOrder(Tensor m0, long s0, long t, Tensor sample) {
        int ti = index(t);
        int si = index(s0);
        float h = lambdaT[ti] - lambdaT[si];
        float r0 = (lambdaT[si] - lambdaT[index(previousTimestep)]) / h;
        Tensor d1 = Torch.mul(m0.sub(previousOutput), 1f / r0);
        float phi = alphaT[ti] * expm1(-h);
        Tensor correction = heun ? Torch.mul(d1, -alphaT[ti] * (expm1(-h) / h + 1f)) : Torch.mul(d1, 0.5f * phi);
        return Torch.mul(sample, sigmaT[ti] / sigmaT[si]).sub(Torch.mul(m0, phi)).sub(correction);
    }

    /** e^x − 1 rounded to float32 ({@code torch.exp(x) - 1.0} in diffusers, the same to within its rounding). */
    private static float expm1(float x) {
        return (float) Math.expm1(x);
    }
}
