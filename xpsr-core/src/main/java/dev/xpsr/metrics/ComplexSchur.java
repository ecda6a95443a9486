package dev.xpsr.metrics;

/**
 * The Schur decomposition A = Z T Zᴴ of a real square matrix with T upper triangular, as scipy 1.10's
 * {@code sqrtm} obtains it: {@code scipy.linalg.schur(a)} (LAPACK {@code dgees}: the real Schur form, in which a
 * complex-conjugate eigenvalue pair is a 2×2 diagonal block) and, only if that form is not triangular,
 * {@code rsf2csf}, which splits every such block with a complex Givens rotation.
 *
 * <p>{@code dgees} first permutes rows and columns that are already decoupled (an exactly zero off-diagonal row or
 * column) to the ends and takes their diagonal entries as eigenvalues, exactly; that is why a covariance with a
 * feature that is constant over its set gives T exact zeros, which decides whether scipy's square root fails.
 *
 * @param real whether {@code dgees} already gave a triangular T, which scipy then keeps as a real array
 */
record ComplexSchur(ComplexMatrix t, ComplexMatrix z, boolean real) {
    /** numpy's float64 machine epsilon, {@code rsf2csf}'s threshold for a non-negligible subdiagonal entry. */
    private static final double EPS = Math.ulp(1.0);

    /** The decomposition of the row-major n×n matrix {@code a}. */
    static ComplexSchur of(double[] a, int n) {
        Lapack.RealSchur real = Lapack.dgees(a, n);
        ComplexMatrix t = ComplexMatrix.ofReal(real.t(), n, n);
        ComplexMatrix z = ComplexMatrix.ofReal(real.z(), n, n);
        boolean triangular = isUpperTriangular(real.t(), n);
        if (!triangular) {
            toComplexSchurForm(t, z);
        }
        return new ComplexSchur(t, z, triangular);
    }

    private static boolean isUpperTriangular(double[] t, int n) {
        for (int i = 1; i < n; i++) {
            for (int j = 0; j < i; j++) {
                if (t[i * n + j] != 0) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * {@code rsf2csf}, in place: from the bottom, every subdiagonal entry above eps · (|T[m-1][m-1]| + |T[m][m]|)
     * is rotated away by G = [[c̄, s], [−s, c]], with (c, s) = (μ, T[m][m-1]) / |(μ, T[m][m-1])| and μ the first
     * eigenvalue ({@code zgeev}'s order) of the 2×2 block minus T[m][m]; rows m-1, m of T are multiplied by G,
     * columns m-1, m of T and Z by Gᴴ. Every subdiagonal entry is then set to 0.
     */
    private static void toComplexSchurForm(ComplexMatrix t, ComplexMatrix z) {
        int n = t.rows();
        for (int m = n - 1; m > 0; m--) {
            Complex sub = t.get(m, m - 1);
            if (sub.abs() > EPS * (t.get(m - 1, m - 1).abs() + t.get(m, m).abs())) {
                double[] eigenvalues = Lapack.zgeev2(t.block(m - 1, m + 1, m - 1, m + 1).data());
                Complex mu = new Complex(eigenvalues[0], eigenvalues[1]).minus(t.get(m, m));
                double r = Math.hypot(mu.abs(), sub.abs());
                Complex c = new Complex(mu.re() / r, mu.im() / r);
                Complex s = new Complex(sub.re() / r, sub.im() / r);
                rotateRows(t, m, c, s);
                rotateColumns(t, m, m + 1, c, s);
                rotateColumns(z, m, n, c, s);
            }
            t.set(m, m - 1, Complex.ZERO);
        }
    }

    /** Rows m-1 and m, columns m-1 onwards, multiplied from the left by G = [[c̄, s], [−s, c]]. */
    private static void rotateRows(ComplexMatrix t, int m, Complex c, Complex s) {
        for (int j = m - 1; j < t.cols(); j++) {
            Complex x = t.get(m - 1, j);
            Complex y = t.get(m, j);
            t.set(m - 1, j, c.conjugate().times(x).plus(s.times(y)));
            t.set(m, j, s.negate().times(x).plus(c.times(y)));
        }
    }

    /** Columns m-1 and m, rows 0 .. rowEnd-1, multiplied from the right by Gᴴ = [[c, −s̄], [s̄, c̄]]. */
    private static void rotateColumns(ComplexMatrix a, int m, int rowEnd, Complex c, Complex s) {
        for (int i = 0; i < rowEnd; i++) {
            Complex x = a.get(i, m - 1);
            Complex y = a.get(i, m);
            a.set(i, m - 1, x.times(c).plus(y.times(s.conjugate())));
            a.set(i, m, x.times(s.conjugate().negate()).plus(y.times(c.conjugate())));
        }
    }
}
