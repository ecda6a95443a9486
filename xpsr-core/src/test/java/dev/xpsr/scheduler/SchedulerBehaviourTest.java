package dev.xpsr.scheduler;

import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Options the golden fixture does not exercise, checked against the closed forms they must satisfy: the
 * prediction types, variance types, noise drawing, and UniPC's orders and variants.
 */
class SchedulerBehaviourTest {
    private static final SchedulerConfig SD15 = SchedulerConfig.defaults().withBetaStart(0.00085).withBetaEnd(0.012)
            .withBetaSchedule("scaled_linear").withStepsOffset(1).withSetAlphaToOne(false).withClipSample(false);
    private static final NoiseSource NO_NOISE = shape -> fail("this step must not draw noise");

    @BeforeAll
    static void start() {
        NativeStartup.ensureStarted(2);
    }

    @Test
    void everyPredictionTypeRecoversTheCleanSample() {
        Tensor x0 = Torch.randn(Torch.generator(1), 1, 4, 8, 8);
        Tensor eps = Torch.randn(Torch.generator(2), 1, 4, 8, 8);
        for (String kind : new String[] {"ddpm", "ddim"}) {
            for (String type : new String[] {"epsilon", "sample", "v_prediction"}) {
                Scheduler s = Schedulers.create(kind, SD15.withPredictionType(type));
                s.setTimesteps(20);
                long t = s.timesteps()[5];
                Tensor xt = s.addNoise(x0, eps, t);
                Tensor out = switch (type) {
                    case "epsilon" -> eps;
                    case "sample" -> x0;
                    default -> velocity(s, x0, eps, t);
                };
                StepOutput step = s.step(out, t, xt, shape -> Torch.zeros(shape));
                assertThat(Torch.maxAbsDiff(step.predOriginalSample(), x0)).as(kind + " " + type)
                        .isLessThan(1e-4);
            }
        }
    }

    @Test
    void deterministicDdimStaysOnTheForwardProcessOfOnePoint() {
        // with eps and x0 exact, DDIM (eta 0) maps q(x_t|x0) samples onto q(x_t'|x0) samples
        Tensor x0 = Torch.randn(Torch.generator(3), 1, 4, 8, 8);
        Tensor eps = Torch.randn(Torch.generator(4), 1, 4, 8, 8);
        Scheduler s = Schedulers.create("ddim", SD15);
        s.setTimesteps(10);
        long[] ts = s.timesteps();
        Tensor prev = s.step(eps, ts[2], s.addNoise(x0, eps, ts[2]), NO_NOISE).prevSample();
        assertThat(Torch.maxAbsDiff(prev, s.addNoise(x0, eps, ts[3]))).isLessThan(1e-5);
    }

    @Test
    void varianceTypesScaleTheNoiseAsDdpmDefines() {
        Scheduler base = Schedulers.create("ddpm", SD15);
        float[] acp = Torch.toFloats(base.alphasCumprod());
        Tensor x = Torch.randn(Torch.generator(5), 1, 4, 2, 2);
        Tensor eps = Torch.randn(Torch.generator(6), 1, 4, 2, 2);
        for (String type : new String[] {"fixed_small", "fixed_small_log", "fixed_large"}) {
            Scheduler s = Schedulers.create("ddpm", SD15.withVarianceType(type));
            s.setTimesteps(20);
            long t = s.timesteps()[3];
            long prev = s.timesteps()[4];
            double currentBeta = 1 - acp[(int) t] / acp[(int) prev];
            double small = (1 - acp[(int) prev]) / (1 - acp[(int) t]) * currentBeta;
            double expected = Math.sqrt("fixed_large".equals(type) ? currentBeta : small);
            Tensor withOnes = s.step(eps, t, x, shape -> Torch.ones(shape)).prevSample();
            Tensor withZeros = s.step(eps, t, x, shape -> Torch.zeros(shape)).prevSample();
            Tensor scale = withOnes.sub(withZeros);
            assertThat(Torch.maxAbsDiff(scale, Torch.full(expected, 1, 4, 2, 2))).as(type).isLessThan(1e-6);
        }
    }

    @Test
    void noiseIsDrawnOnlyWhenTheStepAddsSome() {
        Tensor x = Torch.randn(Torch.generator(7), 1, 4, 2, 2);
        Scheduler ddpm = Schedulers.create("ddpm", SD15.withStepsOffset(0));
        ddpm.setTimesteps(10);
        // the last leading timestep without offset is 0: DDPM adds no noise there
        assertThat(ddpm.timesteps()[9]).isZero();
        ddpm.step(x, 0, x, NO_NOISE);
        AtomicInteger draws = new AtomicInteger();
        ddpm.step(x, ddpm.timesteps()[0], x, shape -> {
            draws.incrementAndGet();
            return Torch.zeros(shape);
        });
        assertThat(draws).hasValue(1);
        Scheduler ddim = Schedulers.create("ddim", SD15);
        ddim.setTimesteps(10);
        ddim.step(x, ddim.timesteps()[0], x, NO_NOISE);
        Scheduler unipc = Schedulers.create("unipc", SD15);
        unipc.setTimesteps(10);
        unipc.step(x, unipc.timesteps()[0], x, NO_NOISE);
    }

    @Test
    void generatorStepDrawsTheSameNoiseAsAnEquallySeededSource() {
        Tensor x = Torch.randn(Torch.generator(8), 1, 4, 4, 4);
        Scheduler s = Schedulers.create("ddim", SD15.withEta(1.0));
        s.setTimesteps(10);
        long t = s.timesteps()[1];
        Tensor viaGenerator = s.step(x, t, x, Torch.generator(42)).prevSample();
        var g = Torch.generator(42);
        Tensor viaSource = s.step(x, t, x, shape -> Torch.randn(g, shape)).prevSample();
        assertThat(Torch.maxAbsDiff(viaGenerator, viaSource)).isZero();
        Tensor unseeded1 = s.step(x, t, x, (org.bytedeco.pytorch.Generator) null).prevSample();
        Tensor unseeded2 = s.step(x, t, x, (org.bytedeco.pytorch.Generator) null).prevSample();
        assertThat(Torch.maxAbsDiff(unseeded1, unseeded2)).isPositive();
    }

    @Test
    void everyUniPcVariantFollowsTheExactTrajectoryOfOnePoint() {
        // for data concentrated on x0 the exact model output is known in closed form and every UniPC update is
        // exact: the sampler must end on sqrt(acp_0)·x0 + sqrt(1 - acp_0)·eps whatever its order and variant
        Tensor x0 = Torch.randn(Torch.generator(9), 1, 4, 4, 4);
        Tensor eps = Torch.randn(Torch.generator(10), 1, 4, 4, 4);
        for (int order = 1; order <= 3; order++) {
            for (String type : new String[] {"bh1", "bh2"}) {
                for (boolean predictX0 : new boolean[] {true, false}) {
                    SchedulerConfig c = SD15.withSolverOrder(order).withSolverType(type).withPredictX0(predictX0)
                            .withLowerOrderFinal(order != 3).withDisableCorrector(0, 3);
                    String what = "order " + order + " " + type + " predict_x0=" + predictX0;
                    Tensor last = runOnePointLoop(Schedulers.create("unipc", c), x0, eps, 15);
                    Tensor exact = Schedulers.create("unipc", c).addNoise(x0, eps, 0);
                    assertThat(Torch.maxAbsDiff(last, exact)).as(what).isLessThan(1e-4);
                }
            }
        }
    }

    /** Runs a loop with per-step scopes where the model predicts the exact ε of the one-point data set. */
    private static Tensor runOnePointLoop(Scheduler s, Tensor x0, Tensor eps, int steps) {
        s.setTimesteps(steps);
        Tensor x = s.addNoise(x0, eps, s.timesteps()[0]);
        for (long t : s.timesteps()) {
            try (PointerScope scope = new PointerScope()) {
                float a = Torch.toFloats(s.alphasCumprod())[(int) t];
                Tensor epsHat = Torch.div(x.sub(Torch.mul(x0, Math.sqrt(a))), Math.sqrt(1 - a));
                Tensor next = s.step(epsHat, t, x, NO_NOISE).prevSample();
                next.retainReference();
                x = next;
            }
        }
        return x;
    }

    @Test
    void linearSolveMatchesDoublePrecisionOnPivotingSystems() {
        float[][] a = {{0.5f, 1f, 1f}, {2f, -1f, 0.25f}, {-3f, 0.5f, 4f}};
        float[] b = {1f, -2f, 3f};
        float[] x = LinearSolve.solve(a, b, 3);
        for (int r = 0; r < 3; r++) {
            double lhs = 0;
            for (int c = 0; c < 3; c++) {
                lhs += (double) a[r][c] * x[c];
            }
            assertThat(lhs).isCloseTo(b[r], org.assertj.core.api.Assertions.within(1e-5));
        }
        // the leading 2x2 block, as the UniPC predictor of order 3 uses it
        float[] y = LinearSolve.solve(a, b, 2);
        assertThat(0.5 * y[0] + y[1]).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-5));
        assertThat(2.0 * y[0] - y[1]).isCloseTo(-2.0, org.assertj.core.api.Assertions.within(1e-5));
    }

    private static Tensor velocity(Scheduler s, Tensor x0, Tensor eps, long t) {
        return s instanceof DDPMScheduler d ? d.getVelocity(x0, eps, t) : ((DDIMScheduler) s).getVelocity(x0, eps, t);
    }
}
