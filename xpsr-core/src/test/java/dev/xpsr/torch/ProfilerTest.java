package dev.xpsr.torch;

import dev.xpsr.torch.Profiler.Op;
import dev.xpsr.torch.Profiler.Region;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The profile counts FLOPs from shapes and files operators under the innermost network and outermost family. */
class ProfilerTest {
    @BeforeAll
    static void start() {
        NativeStartup.ensureStarted(2);
    }

    @Test
    void flopsAreCountedFromTheOperatorsShapes() {
        Generator g = Torch.generator(1);
        Tensor x = Torch.randn(g, 2, 6, 10, 12);
        Tensor kernel = Torch.randn(g, 8, 3, 3, 3);
        Tensor tokens = Torch.randn(g, 2, 70, 16);
        Tensor weight = Torch.randn(g, 24, 16);
        Tensor q = Torch.randn(g, 2, 4, 30, 8);
        Tensor k = Torch.randn(g, 2, 4, 20, 8);
        try (Profiler p = Profiler.start()) {
            // groups 2, stride 2, padding 1: output 2 x 8 x 5 x 6
            Torch.conv2d(x, kernel, null, 2, 1, 1, 2);
            Torch.linear(tokens, weight, null);
            Torch.scaledDotProductAttention(q, k, k, false);
            assertThat(p.byOperator().get(Op.CONVOLUTION).flops()).isEqualTo(2.0 * 3 * 8 * 9 * 5 * 6 * 2);
            assertThat(p.byOperator().get(Op.LINEAR).flops()).isEqualTo(2.0 * 16 * 24 * 2 * 70);
            assertThat(p.byOperator().get(Op.ATTENTION).flops()).isEqualTo(4.0 * 30 * 20 * 8 * 2 * 4);
            assertThat(p.byOperator().get(Op.LINEAR).calls()).isEqualTo(1);
        }
    }

    @Test
    void operatorsCountTowardsTheOutermostFamilyOfTheirNetwork() {
        Tensor x = Torch.randn(Torch.generator(2), 1, 4, 8, 8);
        try (Profiler p = Profiler.start()) {
            Profiler.network("Net", () -> Profiler.region("outer", () -> Profiler.region("inner", () -> Torch.silu(x))));
            Torch.silu(x);
            assertThat(p.byRegion()).containsOnlyKeys(new Region("Net", "outer"),
                    new Region(Profiler.UNMARKED, Profiler.UNMARKED));
            assertThat(p.byRegion().get(new Region("Net", "outer")).get(Op.ELEMENTWISE).calls()).isEqualTo(1);
            assertThat(p.seconds(new Region("Net", "inner"))).isZero();
            assertThat(p.networkSeconds("Net")).isPositive();
        }
    }

    @Test
    void oneProfileRunsAtATime() {
        try (Profiler p = Profiler.start()) {
            assertThatThrownBy(Profiler::start).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already running");
        }
        Profiler.start().close();
    }
}
