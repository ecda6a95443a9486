package dev.xpsr.train;

import dev.xpsr.testing.RestoresThreadCount;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** GradScaler's arithmetic: unscaling, overflow detection, backoff and growth. */
@ExtendWith(RestoresThreadCount.class)
class LossScalerTest {
    @BeforeAll
    static void start() {
        NativeStartup.ensureStarted(1);
    }

    @Test
    void unscalesDetectsOverflowAndAdaptsTheScale() {
        LossScaler scaler = LossScaler.initial();
        Tensor p = Torch.zeros(2).requires_grad_(true);
        p.mutable_grad().put(Torch.fromFloats(new float[] {65536f, -131072f}, 2));
        assertThat(scaler.unscale(List.of(p))).isTrue();
        assertThat(Torch.toFloats(p.grad())).containsExactly(1f, -2f);
        scaler.update(true);
        assertThat(scaler.scale()).isEqualTo(65536.0);
        assertThat(scaler.cleanSteps()).isEqualTo(1);

        p.mutable_grad().put(Torch.fromFloats(new float[] {Float.POSITIVE_INFINITY, 1f}, 2));
        assertThat(scaler.unscale(List.of(p))).isFalse();
        scaler.update(false);
        assertThat(scaler.scale()).isEqualTo(32768.0);
        assertThat(scaler.cleanSteps()).isZero();

        for (int i = 0; i < LossScaler.GROWTH_INTERVAL; i++) {
            scaler.update(true);
        }
        assertThat(scaler.scale()).isEqualTo(65536.0);
        assertThat(scaler.cleanSteps()).isZero();
    }
}
