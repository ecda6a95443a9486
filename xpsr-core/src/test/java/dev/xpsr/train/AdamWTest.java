package dev.xpsr.train;

import dev.xpsr.testing.RestoresThreadCount;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The optimizer and clipping against PyTorch's formulas evaluated in double precision. */
@ExtendWith(RestoresThreadCount.class)
class AdamWTest {
    @BeforeAll
    static void start() {
        NativeStartup.ensureStarted(1);
    }

    @Test
    void adamWFollowsPyTorchsDecoupledUpdate() {
        double lr = 0.1;
        double b1 = 0.9;
        double b2 = 0.999;
        double eps = 1e-8;
        double wd = 0.01;
        Tensor p = Torch.fromFloats(new float[] {1.0f, -2.0f}, 2).requires_grad_(true);
        AdamW adam = new AdamW(lr, b1, b2, eps, wd);
        double[] theta = {1.0, -2.0};
        double[] m = new double[2];
        double[] v = new double[2];
        double[][] grads = {{0.5, -1.0}, {0.25, 3.0}, {-0.75, 0.1}};
        for (int step = 1; step <= 3; step++) {
            p.mutable_grad().put(Torch.fromFloats(new float[] {(float) grads[step - 1][0], (float) grads[step - 1][1]}, 2));
            adam.step(Map.of("p", p));
            for (int i = 0; i < 2; i++) {
                double g = grads[step - 1][i];
                theta[i] *= 1 - lr * wd;
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                double mHat = m[i] / (1 - Math.pow(b1, step));
                double denom = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(b2, step)) + eps;
                theta[i] -= lr * mHat / denom;
            }
        }
        float[] got = Torch.toFloats(p);
        assertThat((double) got[0]).isCloseTo(theta[0], within(1e-6));
        assertThat((double) got[1]).isCloseTo(theta[1], within(1e-6));
        assertThat(adam.stepCount()).isEqualTo(3);
    }

    @Test
    void clippingScalesAllGradientsByTheTotalNorm() {
        Tensor a = Torch.zeros(2).requires_grad_(true);
        Tensor b = Torch.zeros(1).requires_grad_(true);
        a.mutable_grad().put(Torch.fromFloats(new float[] {3f, 0f}, 2));
        b.mutable_grad().put(Torch.fromFloats(new float[] {4f}, 1));
        double norm = GradientClipping.clip(List.of(a, b), 1.0);
        assertThat(norm).isCloseTo(5.0, within(1e-6));
        assertThat((double) Torch.toFloats(a.grad())[0]).isCloseTo(3.0 / (5 + 1e-6), within(1e-6));
        assertThat((double) Torch.toFloats(b.grad())[0]).isCloseTo(4.0 / (5 + 1e-6), within(1e-6));
        // under the limit nothing changes
        assertThat(GradientClipping.clip(List.of(a, b), 10.0)).isCloseTo(1.0, within(1e-5));
        assertThat((double) Torch.toFloats(b.grad())[0]).isCloseTo(0.8, within(1e-5));
    }

    @Test
    void nonFiniteTermIsNamedRatherThanItsSums() {
        Map<String, Double> values = new LinkedHashMap<>();
        values.put("loss", Double.NaN);
        values.put("mse", 0.1);
        values.put("dfc", Double.NaN);
        values.put("dfc_latent_3", Double.POSITIVE_INFINITY);
        try {
            LossTerms.checkFinite(values, 12);
            throw new AssertionError("no exception");
        } catch (NonFiniteLossException e) {
            assertThat(e.term()).isEqualTo("dfc_latent_3");
            assertThat(e.step()).isEqualTo(12);
            assertThat(e.getMessage()).contains("'dfc_latent_3'").contains("step 12");
        }
    }
}
