package dev.xpsr.metrics;

import dev.xpsr.torch.NativeStartup;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** scipy 1.10's Schur-method {@code sqrtm}: closed forms, the complex cases, the blocks, and when it fails. */
class MatrixSquareRootTest {
    @BeforeAll
    static void start() {
        NativeStartup.ensureStarted();
    }

    @Test
    void blocksAreThoseOfScipy() {
        // nblocks = max(n // 64, 1); divmod(n, nblocks) -> the smaller blocks first
        assertThat(MatrixSquareRoot.blocks(16)).containsExactly(new int[] {0, 16});
        assertThat(MatrixSquareRoot.blocks(130)).containsExactly(new int[] {0, 65}, new int[] {65, 130});
        assertThat(MatrixSquareRoot.blocks(200)).containsExactly(new int[] {0, 66}, new int[] {66, 133},
                new int[] {133, 200});
    }

    /** A rotation by 90° has eigenvalues ±i: a 2×2 real Schur block, split by rsf2csf; its root turns by 45°. */
    @Test
    void complexEigenvaluePairGivesAComplexArrayWithTheRealRoot() {
        MatrixSquareRoot.Root root = MatrixSquareRoot.sqrtm(new double[] {0, -1, 1, 0}, 2);
        assertThat(root.complex()).isTrue();
        assertThat(root.failed()).isFalse();
        double h = Math.sqrt(0.5);
        double[][] want = {{h, -h}, {h, h}};
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                assertThat(root.value().re(i, j)).isCloseTo(want[i][j], within(1e-15));
                assertThat(root.value().im(i, j)).isCloseTo(0, within(1e-15));
            }
        }
    }

    @Test
    void negativeEigenvalueGivesAnImaginaryRoot() {
        MatrixSquareRoot.Root root = MatrixSquareRoot.sqrtm(new double[] {4, 0, 0, -9}, 2);
        assertThat(root.complex()).isTrue();
        assertThat(root.value().re(0, 0)).isEqualTo(2);
        assertThat(root.value().im(1, 1)).isEqualTo(3);
        MatrixSquareRoot.Root real = MatrixSquareRoot.sqrtm(new double[] {4, 0, 0, 9}, 2);
        assertThat(real.complex()).isFalse();
        assertThat(real.value().re(1, 1)).isEqualTo(3);
    }

    /** [[0, 1], [0, 0]] has no square root: R₀₀ + R₁₁ = 0 with T₀₁ = 1; the zero matrix's root is 0. */
    @Test
    void zeroDenominatorFailsOnlyWithANonZeroNumerator() {
        MatrixSquareRoot.Root nilpotent = MatrixSquareRoot.sqrtm(new double[] {0, 1, 0, 0}, 2);
        assertThat(nilpotent.failed()).isTrue();
        assertThat(nilpotent.value().isFinite()).isFalse();
        assertThat(Double.isNaN(nilpotent.value().re(0, 1))).isTrue();
        MatrixSquareRoot.Root zero = MatrixSquareRoot.sqrtm(new double[4], 2);
        assertThat(zero.failed()).isFalse();
        assertThat(zero.value().re(0, 1)).isZero();
        assertThatThrownBy(() -> MatrixSquareRoot.sqrtm(new double[] {1, Double.NaN, 0, 1}, 2))
                .hasMessageContaining("NaN");
    }

    /** Above 128 the blocks are solved against each other with ztrsyl; X·X must still give A. */
    @Test
    void blockedRootSquaresBackToTheMatrix() {
        int n = 150;
        double[] a = product(spd(n, 1), spd(n, 2), n);
        MatrixSquareRoot.Root root = MatrixSquareRoot.sqrtm(a, n);
        assertThat(root.failed()).isFalse();
        ComplexMatrix x = root.value();
        ComplexMatrix square = x.times(x);
        double scale = 0;
        for (double v : a) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                assertThat(square.re(i, j)).as("(%d, %d)", i, j).isCloseTo(a[i * n + j], within(1e-10 * scale));
                assertThat(square.im(i, j)).isCloseTo(0, within(1e-10 * scale));
            }
        }
    }

    /**
     * An exactly zero row and an exactly zero column (other indices) give two exact zero eigenvalues that dgees
     * isolates at the two ends of T, coupled through the rest: within one block (n &lt; 128) the recurrence divides
     * 0 by 0 and fails; across blocks ztrsyl perturbs the singular system and scipy returns a finite root.
     */
    @Test
    void coupledExactZeroEigenvaluesFailOnlyInsideOneBlock() {
        for (int n : List.of(16, 130)) {
            double[] a = product(spd(n, 3), spd(n, 4), n);
            for (int k = 0; k < n; k++) {
                a[3 * n + k] = 0;
                a[k * n + 11] = 0;
            }
            MatrixSquareRoot.Root root = MatrixSquareRoot.sqrtm(a, n);
            assertThat(root.failed()).as("n = %d", n).isEqualTo(MatrixSquareRoot.blocks(n).size() == 1);
            assertThat(root.value().isFinite()).as("n = %d", n).isEqualTo(!root.failed());
        }
    }

    /** A random symmetric positive definite matrix B Bᵀ / n + I/10. */
    static double[] spd(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] b = new double[n * n];
        for (int i = 0; i < b.length; i++) {
            b[i] = rng.nextGaussian();
        }
        double[] s = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double v = 0;
                for (int k = 0; k < n; k++) {
                    v += b[i * n + k] * b[j * n + k];
                }
                s[i * n + j] = v / n + (i == j ? 0.1 : 0);
            }
        }
        return s;
    }

    private static double[] product(double[] a, double[] b, int n) {
        return Lapack.dgemm(a, b, n);
    }
}
