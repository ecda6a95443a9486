package dev.xpsr.scheduler;

/**
 * Solves UniPC's small dense float32 systems R·ρ = b the way {@code torch.linalg.solve} does on the CPU, so that
 * ρ carries the same rounding as the reference (ρ is ill-conditioned enough for that to show in the samples).
 *
 * <p>torch factors the <em>transpose</em> of a contiguous A ({@code lu_factor(A.mT)}, saving a copy into
 * column-major order) and solves with the adjoint: Aᵀ = Pᵀ·L·U, so A·x = b becomes Uᵀ·(Lᵀ·(P·x)) = b. The
 * factorisation is LAPACK/OpenBLAS {@code getf2} (left-looking, partial pivoting on the first largest magnitude,
 * multipliers scaled by the pivot's reciprocal) and the solve is {@code getrs('T')}: forward substitution with Uᵀ
 * (dividing by the diagonal), back substitution with the unit Lᵀ, then the row interchanges in reverse. Inner
 * products are accumulated first and then subtracted, as the BLAS dot kernels do.
 */
final class LinearSolve {
    private LinearSolve() {
    }

    /**
     * x with {@code A[0:n,0:n]·x = b[0:n]}.
     *
     * @throws IllegalArgumentException when the block is singular (e.g. repeated timesteps)
     */
    static float[] solve(float[][] a, float[] b, int n) {
        float[][] m = new float[n][n];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < n; c++) {
                m[r][c] = a[c][r];
            }
        }
        int[] pivots = factor(m, n);
        float[] x = java.util.Arrays.copyOf(b, n);
        solveTransposed(m, pivots, x, n);
        return x;
    }

    /** In-place left-looking LU with partial pivoting (OpenBLAS {@code getf2}); returns the pivot rows. */
    private static int[] factor(float[][] m, int n) {
        int[] pivots = new int[n];
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < j; i++) {
                swap(m, i, pivots[i], j);
            }
            for (int i = 1; i < j; i++) {
                m[i][j] -= dot(m, i, j, 0, i);
            }
            for (int r = j; r < n; r++) {
                m[r][j] -= dot(m, r, j, 0, j);
            }
            int p = j;
            for (int r = j + 1; r < n; r++) {
                if (Math.abs(m[r][j]) > Math.abs(m[p][j])) {
                    p = r;
                }
            }
            pivots[j] = p;
            if (m[p][j] == 0f) {
                throw new IllegalArgumentException("UniPC coefficient matrix is singular (repeated timesteps?)");
            }
            float inverse = 1f / m[p][j];
            for (int c = 0; c <= j; c++) {
                swap(m, j, p, c);
            }
            for (int r = j + 1; r < n; r++) {
                m[r][j] *= inverse;
            }
        }
        return pivots;
    }

    /** Solves Aᵀᵀ·x = b from the factors of Aᵀ ({@code getrs} with trans = 'T'), in place. */
    private static void solveTransposed(float[][] lu, int[] pivots, float[] x, int n) {
        for (int i = 0; i < n; i++) {
            float s = 0f;
            for (int k = 0; k < i; k++) {
                s += lu[k][i] * x[k];
            }
            x[i] = (x[i] - s) / lu[i][i];
        }
        for (int i = n - 1; i >= 0; i--) {
            float s = 0f;
            for (int k = i + 1; k < n; k++) {
                s += lu[k][i] * x[k];
            }
            x[i] -= s;
        }
        for (int i = n - 1; i >= 0; i--) {
            float v = x[i];
            x[i] = x[pivots[i]];
            x[pivots[i]] = v;
        }
    }

    /** Σ_{k in [from, to)} m[row][k]·m[k][col], accumulated in order. */
    private static float dot(float[][] m, int row, int col, int from, int to) {
        float s = 0f;
        for (int k = from; k < to; k++) {
            s += m[row][k] * m[k][col];
        }
        return s;
    }

    private static void swap(float[][] m, int r1, int r2, int col) {
        if (r1 != r2) {
            float v = m[r1][col];
            m[r1][col] = m[r2][col];
            m[r2][col] = v;
        }
    }
}
