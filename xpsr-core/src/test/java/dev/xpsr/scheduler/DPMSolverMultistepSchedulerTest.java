package dev.xpsr.scheduler;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * DPM-Solver++ 2M against its formulas worked out here in double precision for a 10-timestep linear schedule and
 * 3 inference steps, where every branch of diffusers' step shows: a first-order first step (no history), a
 * second-order middle step and, with lower_order_final and fewer than 15 steps, a first-order last step to t = 0.
 */
class DPMSolverMultistepSchedulerTest {
    private static final int TRAIN = 10;
    private static final double BETA_START = 0.0001;
    private static final double BETA_END = 0.02;
    private static final SchedulerConfig CONFIG = SchedulerConfig.defaults().withNumTrainTimesteps(TRAIN)
            .withBetaStart(BETA_START).withBetaEnd(BETA_END).withBetaSchedule("linear");
    private static final double[] EPSILONS = {0.3, -0.7, 1.1};
    private static final double START = 0.9;

    @Test
    void threeStepsFollowTheFirstSecondAndFirstOrderFormulas() {
        double[] expected = handWorked(false);
        assertThat(run(CONFIG)).containsExactly(expected, within(2e-5));
    }

    @Test
    void heunDiffersFromMidpointOnlyInTheSecondOrderTerm() {
        double[] expected = handWorked(true);
        assertThat(run(CONFIG.withSolverType("heun"))).containsExactly(expected, within(2e-5));
    }

    @Test
    void gridIsDiffusersLinspaceWithoutTheFinalZero() {
        DPMSolverMultistepScheduler s = new DPMSolverMultistepScheduler(CONFIG);
        s.setTimesteps(3);
        assertThat(s.timesteps()).containsExactly(9, 6, 3);
    }

    @Test
    void otherAlgorithmsAndOrdersAreRefusedByName() throws Exception {
        SchedulerConfig sde = SchedulerConfig.fromJson(new ObjectMapper().readTree(
                "{\"algorithm_type\": \"sde-dpmsolver++\"}"));
        assertThatThrownBy(() -> new DPMSolverMultistepScheduler(sde))
                .hasMessageContaining("algorithm_type").hasMessageContaining("sde-dpmsolver++");
        assertThatThrownBy(() -> new DPMSolverMultistepScheduler(CONFIG.withSolverOrder(3)))
                .hasMessageContaining("solver_order");
        assertThat(Sampler.parse("dpmpp-2m").create(CONFIG)).isInstanceOf(DPMSolverMultistepScheduler.class);
    }

    /** The samples after each step, from the scheduler, for a one-value latent and the fixed ε predictions. */
    private static double[] run(SchedulerConfig config) {
        Scheduler s = Sampler.DPMPP_2M.create(config);
        s.setTimesteps(EPSILONS.length);
        Tensor x = Torch.full(START, 1, 1, 1, 1);
        double[] out = new double[EPSILONS.length];
        for (int i = 0; i < EPSILONS.length; i++) {
            x = s.step(Torch.full(EPSILONS[i], 1, 1, 1, 1), s.timesteps()[i], x, (NoiseSource) null).prevSample();
            out[i] = Torch.toFloats(x)[0];
        }
        return out;
    }

    /**
     * The same three steps by hand: α = sqrt(ᾱ), σ = sqrt(1 − ᾱ), λ = log(α/σ); x̂₀ = (x − σ_s·ε)/α_s;
     * first order x_t = σ_t/σ_s·x − α_t·(e^{−h} − 1)·x̂₀; second order adds −½·α_t·(e^{−h} − 1)·D₁ (midpoint) or
     * +α_t·((e^{−h} − 1)/h + 1)·D₁ (heun), D₁ = (x̂₀ − x̂₀_prev)/r₀, r₀ = h_prev/h.
     */
    private static double[] handWorked(boolean heun) {
        double[] alphaBar = new double[TRAIN];
        double prod = 1;
        for (int i = 0; i < TRAIN; i++) {
            prod *= 1 - (BETA_START + (BETA_END - BETA_START) * i / (TRAIN - 1));
            alphaBar[i] = prod;
        }
        int[] path = {9, 6, 3, 0};
        double x = START;
        double previousX0 = 0;
        double[] out = new double[EPSILONS.length];
        for (int i = 0; i < EPSILONS.length; i++) {
            int s = path[i];
            int t = path[i + 1];
            double x0 = (x - sigma(alphaBar, s) * EPSILONS[i]) / alpha(alphaBar, s);
            double h = lambda(alphaBar, t) - lambda(alphaBar, s);
            double phi = alpha(alphaBar, t) * Math.expm1(-h);
            double next = sigma(alphaBar, t) / sigma(alphaBar, s) * x - phi * x0;
            if (i == 1) { // the middle step: history exists and it is not the last step
                double r0 = (lambda(alphaBar, s) - lambda(alphaBar, path[i - 1])) / h;
                double d1 = (x0 - previousX0) / r0;
                next += heun ? alpha(alphaBar, t) * (Math.expm1(-h) / h + 1) * d1 : -0.5 * phi * d1;
            }
            previousX0 = x0;
            x = next;
            out[i] = x;
        }
        return out;
    }

    private static double alpha(double[] alphaBar, int t) {
        return Math.sqrt(alphaBar[t]);
    }

    private static double sigma(double[] alphaBar, int t) {
        return Math.sqrt(1 - alphaBar[t]);
    }

    private static double lambda(double[] alphaBar, int t) {
        return Math.log(alpha(alphaBar, t)) - Math.log(sigma(alphaBar, t));
    }
}
