package dev.xpsr.scheduler;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * UniPC, the unified predictor-corrector multistep sampler (Zhao et al. 2023, arXiv 2302.04867), reproducing
 * diffusers 0.21.4 {@code schedulers/scheduling_unipc_multistep.py} ({@code UniPCMultistepScheduler}) in float32,
 * B(h) variants, without {@code solver_p} or Karras sigmas. XPSR's training-time validation uses it.
 *
 * <p>Notation: α_t = sqrt(ᾱ_t), σ_t = sqrt(1 − ᾱ_t), λ_t = log α_t − log σ_t. The model output is first
 * converted to m = x̂₀ (predict_x0; from ε: (x − σ_t·ε)/α_t) or to ε. For a step from s₀ to t with the history
 * m₀ (at s₀), m_i (at s_i, i = 1..p−1):
 * <pre>
 *   h = λ_t − λ_{s₀},  hh = −h (predict_x0) or h,  r_i = (λ_{s_i} − λ_{s₀})/h,  D_i = (m_i − m₀)/r_i
 *   B(h) = hh (bh1) or e^{hh} − 1 (bh2);  φ-recursion: g₁ = (e^{hh} − 1)/hh − 1, g_{k+1} = g_k/hh − 1/(k+1)!
 *   R[k][j] = r_j^k (r_p = 1),  b_k = g_{k+1}·k!/B(h)    (k = 0..p−1)
 *   base = σ_t/σ_{s₀}·x − α_t·(e^{hh} − 1)·m₀                           (predict_x0; else α_t/α_{s₀}·x − σ_t·(…)·m₀)
 *   predictor (UniP):  x_t  = base − α_t·B(h)·Σ ρᵖ_i·D_i,   ρᵖ = ½ for p = 2, else R[:-1,:-1]⁻¹·b[:-1]
 *   corrector (UniC):  x_t^c = base − α_t·B(h)·(Σ ρᶜ_i·D_i + ρᶜ_p·(m_t − m₀)),   ρᶜ = ½ for p = 1, else R⁻¹·b
 * </pre>
 * Each {@link #step} first corrects the incoming sample with the new model output (UniC, except at the first step
 * and for steps listed in {@code disable_corrector}), then predicts the next sample (UniP). The order p ramps up
 * from 1 as history accumulates and, with {@code lower_order_final}, drops at the last steps.
 *
 * <p>State: the last {@code solver_order} converted model outputs and the last corrected sample are held across
 * steps (each through its own retained tensor handle, released as it leaves the window) and cleared by
 * {@link #setTimesteps}.
 */
public final class UniPCMultistepScheduler extends BaseScheduler {
    static final String CLASS = "UniPCMultistepScheduler";
    private static final List<String> SCHEDULES = List.of("linear", "scaled_linear", "squaredcos_cap_v2");
    private static final List<String> SPACINGS = List.of("linspace", "leading", "trailing");
    /** diffusers maps the DPM-Solver names midpoint/heun/logrho to bh2. */
    private static final List<String> SOLVER_TYPES = List.of("bh1", "bh2", "midpoint", "heun", "logrho");

    private final float[] alphaT;
    private final float[] sigmaT;
    private final float[] lambdaT;
    private final int solverOrder;
    private final boolean predictX0;
    private final boolean bh1;
    private final String spacing;
    private final int[] disableCorrector;

    private final Tensor[] modelOutputs;
    private final long[] timestepList;
    private Tensor lastSample;
    private int lowerOrderNums;
    private int thisOrder;

    /**
     * @throws IllegalArgumentException for an unsupported {@code beta_schedule}, {@code solver_type},
     *                                  {@code prediction_type}, {@code timestep_spacing}, {@code solver_order} &lt; 1,
     *                                  {@code use_karras_sigmas} or {@code solver_p}
     */
    public UniPCMultistepScheduler(SchedulerConfig config) {
        super(config, NoiseSchedule.betas(config, SCHEDULES, CLASS));
        requirePredictionType(config, CLASS);
        Checks.requireChoice("solver_type", config.solverType(), SOLVER_TYPES, CLASS);
        Checks.requireOff("use_karras_sigmas", config.useKarrasSigmas(), CLASS, "Karras sigmas are not provided");
        if (config.solverPSet()) {
            throw new IllegalArgumentException("solver_p is not supported by this " + CLASS + "; valid choices: null");
        }
        if (config.solverOrder() < 1) {
            throw new IllegalArgumentException("solver_order must be at least 1, got " + config.solverOrder());
        }
        this.solverOrder = config.solverOrder();
        this.predictX0 = config.predictX0();
        this.bh1 = "bh1".equals(config.solverType());
        this.spacing = spacing(config, "linspace", SPACINGS, CLASS);
        this.disableCorrector = config.disableCorrector();
        this.alphaT = new float[numTrainTimesteps];
        this.sigmaT = new float[numTrainTimesteps];
        this.lambdaT = new float[numTrainTimesteps];
        for (int i = 0; i < numTrainTimesteps; i++) {
            alphaT[i] = sqrt(alphasCumprod[i]);
            sigmaT[i] = sqrt(1f - alphasCumprod[i]);
            lambdaT[i] = (float) Math.log(alphaT[i]) - (float) Math.log(sigmaT[i]);
        }
        this.modelOutputs = new Tensor[solverOrder];
        this.timestepList = new long[solverOrder];
    }

    /** Builds the grid and clears the multistep history, so every sampling run starts fresh. */
    @Override
    public void setTimesteps(int numInferenceSteps) {
        Checks.requireInferenceSteps(numInferenceSteps, numTrainTimesteps);
        timesteps = TimestepGrid.multistep(spacing, numTrainTimesteps, numInferenceSteps, config.stepsOffset());
        this.numInferenceSteps = timesteps.length;
        clearHistory();
    }

    @Override
    public StepOutput step(Tensor modelOutput, long timestep, Tensor sample, NoiseSource noise) {
        requireTimesteps();
        int stepIndex = stepIndex(timestep);
        boolean useCorrector = stepIndex > 0 && !correctorDisabled(stepIndex - 1) && lastSample != null;
        Tensor converted = convertModelOutput(modelOutput, timestep, sample);
        Tensor x = useCorrector ? correct(converted, timestep, lastSample, sample, thisOrder) : sample;

        long prevTimestep = stepIndex == timesteps.length - 1 ? 0 : timesteps[stepIndex + 1];
        pushHistory(converted, timestep);
        int order = config.lowerOrderFinal() ? Math.min(solverOrder, timesteps.length - stepIndex) : solverOrder;
        thisOrder = Math.min(order, lowerOrderNums + 1);
        replaceLastSample(x);
        Tensor prevSample = predict(prevTimestep, x, thisOrder);
        if (lowerOrderNums < solverOrder) {
            lowerOrderNums++;
        }
        return new StepOutput(prevSample, predictX0 ? converted : originalFromEpsilon(converted, timestep, sample));
    }

    // ---------------------------------------------------------------- model output conversion

    /** The quantity the solver works on: x̂₀ (predict_x0) or ε, from any prediction type. */
    private Tensor convertModelOutput(Tensor modelOutput, long timestep, Tensor sample) {
        int t = index(timestep);
        String type = config.predictionType();
        if (predictX0) {
            return switch (type) {
                case "epsilon" -> Torch.div(sample.sub(Torch.mul(modelOutput, sigmaT[t])), alphaT[t]);
                case "sample" -> modelOutput;
                default -> Torch.mul(sample, alphaT[t]).sub(Torch.mul(modelOutput, sigmaT[t]));
            };
        }
        return switch (type) {
            case "epsilon" -> modelOutput;
            case "sample" -> Torch.div(sample.sub(Torch.mul(modelOutput, alphaT[t])), sigmaT[t]);
            default -> Torch.mul(modelOutput, alphaT[t]).add(Torch.mul(sample, sigmaT[t]));
        };
    }

    private Tensor originalFromEpsilon(Tensor epsilon, long timestep, Tensor sample) {
        int t = index(timestep);
        return Torch.div(sample.sub(Torch.mul(epsilon, sigmaT[t])), alphaT[t]);
    }

    // ---------------------------------------------------------------- UniP and UniC

    /** UniP: the sample at {@code t} from {@code x} at the newest history timestep. */
    private Tensor predict(long t, Tensor x, int order) {
        int newest = solverOrder - 1;
        Coefficients c = coefficients(t, timestepList[newest], order);
        Tensor base = base(t, timestepList[newest], x, modelOutputs[newest], c.hPhi1);
        if (order == 1) {
            return base;
        }
        float[] rhos = order == 2 ? new float[] {0.5f} : LinearSolve.solve(c.r, c.b, order - 1);
        Tensor residual = weightedSum(differences(order, c.rks), rhos);
        return base.sub(Torch.mul(residual, c.outerScale));
    }

    /** UniC: corrects {@code current} (predicted from {@code last}) with the new converted model output. */
    private Tensor correct(Tensor modelT, long t, Tensor last, Tensor current, int order) {
        int newest = solverOrder - 1;
        Tensor m0 = modelOutputs[newest];
        Coefficients c = coefficients(t, timestepList[newest], order);
        Tensor base = base(t, timestepList[newest], last, m0, c.hPhi1);
        float[] rhos = order == 1 ? new float[] {0.5f} : LinearSolve.solve(c.r, c.b, order);
        Tensor residual = Torch.mul(modelT.sub(m0), rhos[order - 1]);
        if (order > 1) {
            residual = weightedSum(differences(order, c.rks), rhos).add(residual);
        }
        return base.sub(Torch.mul(residual, c.outerScale));
    }

    /** σ_t/σ_{s₀}·x − α_t·(e^{hh}−1)·m₀ (predict_x0), or α_t/α_{s₀}·x − σ_t·(e^{hh}−1)·m₀. */
    private Tensor base(long t, long s0, Tensor x, Tensor m0, float hPhi1) {
        int ti = index(t);
        int si = index(s0);
        if (predictX0) {
            return Torch.mul(x, sigmaT[ti] / sigmaT[si]).sub(Torch.mul(m0, alphaT[ti] * hPhi1));
        }
        return Torch.mul(x, alphaT[ti] / alphaT[si]).sub(Torch.mul(m0, sigmaT[ti] * hPhi1));
    }

    /** D_i = (m_i − m₀)/r_i for the p−1 older history entries, newest first. */
    private List<Tensor> differences(int order, float[] rks) {
        int newest = solverOrder - 1;
        List<Tensor> out = new ArrayList<>();
        for (int i = 1; i < order; i++) {
            out.add(Torch.div(modelOutputs[newest - i].sub(modelOutputs[newest]), rks[i - 1]));
        }
        return out;
    }

    /** Σ_k ρ_k·D_k over the differences ({@code einsum("k,bkchw->bchw")}). */
    private static Tensor weightedSum(List<Tensor> d, float[] rhos) {
        Tensor sum = Torch.mul(d.get(0), rhos[0]);
        for (int k = 1; k < d.size(); k++) {
            sum = sum.add(Torch.mul(d.get(k), rhos[k]));
        }
        return sum;
    }

    /** The step's scalar coefficients (float32, in diffusers' operation order). */
    private Coefficients coefficients(long t, long s0, int order) {
        float lambdaS0 = lambdaT[index(s0)];
        float h = lambdaT[index(t)] - lambdaS0;
        int newest = solverOrder - 1;
        float[] rks = new float[order];
        for (int i = 1; i < order; i++) {
            rks[i - 1] = (lambdaT[index(timestepList[newest - i])] - lambdaS0) / h;
        }
        rks[order - 1] = 1f;
        float hh = predictX0 ? -h : h;
        float hPhi1 = expm1(hh);
        float bH = bh1 ? hh : expm1(hh);
        float[][] r = new float[order][order];
        float[] b = new float[order];
        float hPhiK = hPhi1 / hh - 1f;
        long factorial = 1;
        for (int i = 1; i <= order; i++) {
            for (int j = 0; j < order; j++) {
                r[i - 1][j] = powInt(rks[j], i - 1);
            }
            b[i - 1] = hPhiK * factorial / bH;
            factorial *= i + 1;
            hPhiK = hPhiK / hh - (float) (1.0 / factorial);
        }
        float outerScale = (predictX0 ? alphaT[index(t)] : sigmaT[index(t)]) * bH;
        return new Coefficients(hPhi1, outerScale, rks, r, b);
    }

    private record Coefficients(float hPhi1, float outerScale, float[] rks, float[][] r, float[] b) {
    }

    /** e^x − 1 rounded to float32. */
    private static float expm1(float x) {
        return (float) Math.expm1(x);
    }

    /** {@code torch.pow(x, k)} for small integer k: torch multiplies out k = 2, 3. */
    private static float powInt(float x, int k) {
        return switch (k) {
            case 0 -> 1f;
            case 1 -> x;
            case 2 -> x * x;
            case 3 -> x * x * x;
            default -> (float) Math.pow(x, k);
        };
    }

    // ---------------------------------------------------------------- state

    private boolean correctorDisabled(int stepIndex) {
        return Arrays.stream(disableCorrector).anyMatch(s -> s == stepIndex);
    }

    /** Shifts the window: the oldest output is released, the new one retained. */
    private void pushHistory(Tensor converted, long timestep) {
        release(modelOutputs[0]);
        for (int i = 0; i < solverOrder - 1; i++) {
            modelOutputs[i] = modelOutputs[i + 1];
            timestepList[i] = timestepList[i + 1];
        }
        modelOutputs[solverOrder - 1] = retain(converted);
        timestepList[solverOrder - 1] = timestep;
    }

    private void replaceLastSample(Tensor x) {
        release(lastSample);
        lastSample = retain(x);
    }

    private void clearHistory() {
        for (int i = 0; i < solverOrder; i++) {
            release(modelOutputs[i]);
            modelOutputs[i] = null;
            timestepList[i] = 0;
        }
        release(lastSample);
        lastSample = null;
        lowerOrderNums = 0;
        thisOrder = 0;
    }
}
