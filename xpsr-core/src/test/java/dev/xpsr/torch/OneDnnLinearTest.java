package dev.xpsr.torch;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The oneDNN route of {@link Torch#linear} gives libtorch's linear up to float32 rounding, in the same shape. */
class OneDnnLinearTest {
    @BeforeAll
    static void start() {
        NativeStartup.ensureStarted(2);
    }

    @Test
    void tokensOfABatchMatchTheBlasLinear() {
        Generator g = Torch.generator(3);
        Tensor x = Torch.randn(g, 2, OneDnnLinear.MIN_TOKENS + 5, 48);
        Tensor w = Torch.randn(g, 40, 48);
        Tensor b = Torch.randn(g, 40);
        assertBothRoutesAgree(x, w, b);
        assertBothRoutesAgree(x, w, null);
    }

    @Test
    void aTransposedTwoDimensionalInputMatchesTheBlasLinear() {
        Generator g = Torch.generator(4);
        Tensor x = Torch.randn(g, 32, 2 * OneDnnLinear.MIN_TOKENS).transpose(0, 1);
        Tensor w = Torch.randn(g, 16, 32);
        assertBothRoutesAgree(x, w, Torch.randn(g, 16));
    }

    @Test
    void onlyEnoughTokensWithTheTuningOnTakeTheRoute() {
        Generator g = Torch.generator(5);
        Tensor w = Torch.randn(g, 4, 8);
        Tensor few = Torch.randn(g, 1, OneDnnLinear.MIN_TOKENS - 1, 8);
        Tensor enough = Torch.randn(g, 1, OneDnnLinear.MIN_TOKENS, 8);
        assertThat(with(true, () -> OneDnnLinear.applies(few, w))).isFalse();
        assertThat(with(true, () -> OneDnnLinear.applies(enough, w))).isTrue();
        assertThat(with(false, () -> OneDnnLinear.applies(enough, w))).isFalse();
    }

    private static void assertBothRoutesAgree(Tensor x, Tensor w, Tensor b) {
        try (PointerScope scope = new PointerScope(); AutoCloseable mode = Torch.inferenceMode()) {
            assertThat(with(true, () -> OneDnnLinear.applies(x, w))).as("the oneDNN route applies").isTrue();
            Tensor fast = with(true, () -> Torch.linear(x, w, b));
            Tensor blas = with(false, () -> Torch.linear(x, w, b));
            assertThat(Torch.shape(fast)).containsExactly(Torch.shape(blas));
            double scale = Torch.toFloats(blas.abs().max())[0];
            assertThat(Torch.maxAbsDiff(fast, blas)).isLessThan(1e-5 * scale);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static <T> T with(boolean oneDnn, Supplier<T> body) {
        boolean was = ExactTuning.ONEDNN_LINEAR.set(oneDnn);
        try {
            return body.get();
        } finally {
            ExactTuning.ONEDNN_LINEAR.set(was);
        }
    }
}
