package dev.xpsr.metrics;

/**
 * The Moore–Penrose pseudo-inverse of a real symmetric matrix, as {@code numpy.linalg.pinv(a)} computes it
 * (default {@code rcond = 1e-15}): for a symmetric matrix the singular values are the absolute eigenvalues, so
 * pinv(A) = V diag(1/λ) Vᵀ over the eigenpairs with |λ| &gt; rcond·max|λ|. The eigenpairs come from cyclic
 * Jacobi rotations, which are accurate to a few ulps for the small (36×36) covariance matrices NIQE uses.
 */
final class SymmetricMatrices {
    private static final double RCOND = 1e-15;
    private static final int MAX_SWEEPS = 100;
    private static final double NEGLIGIBLE = 1e-20;

    private SymmetricMatrices() {
    }

    static double[][] pinv(double[][] a) {
        int n = a.length;
        double[][] m = new double[n][];
        for (int i = 0; i < n; i++) {
            m[i] = a[i].clone();
        }
        double[][] v = identity(n);
        jacobi(m, v);
        double max = 0;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, Math.abs(m[i][i]));
        }
        double[][] out = new double[n][n];
        for (int k = 0; k < n; k++) {
            double lambda = m[k][k];
            if (!(Math.abs(lambda) > RCOND * max)) {
                continue;
            }
            for (int i = 0; i < n; i++) {
                double vik = v[i][k] / lambda;
                for (int j = 0; j < n; j++) {
                    out[i][j] += vik * v[j][k];
                }
            }
        }
        return out;
    }

    /** Diagonalises the symmetric {@code m} in place (eigenvalues on the diagonal), accumulating rotations in v. */
    private static void jacobi(double[][] m, double[][] v) {
        int n = m.length;
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            double off = offDiagonal(m);
            if (off == 0) {
                return;
            }
            if (Double.isNaN(off)) {
                throw new ArithmeticException("pseudo-inverse of a matrix with NaN entries");
            }
            for (int p = 0; p < n - 1; p++) {
                for (int q = p + 1; q < n; q++) {
                    rotate(m, v, p, q);
                }
            }
        }
    }

    private static double offDiagonal(double[][] m) {
        double s = 0;
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m.length; j++) {
                if (i != j) {
                    s += m[i][j] * m[i][j];
                }
            }
        }
        return s;
    }

    /** One Jacobi rotation zeroing m[p][q] (Golub & Van Loan, Algorithm 8.4.1). */
    private static void rotate(double[][] m, double[][] v, int p, int q) {
        double apq = m[p][q];
        if (apq == 0) {
            return;
        }
        // an element below the diagonal's rounding cannot change the eigenpairs: drop it so the sweep ends
        if (Math.abs(apq) < NEGLIGIBLE * Math.abs(m[p][p]) && Math.abs(apq) < NEGLIGIBLE * Math.abs(m[q][q])) {
            m[p][q] = 0;
            m[q][p] = 0;
            return;
        }
        double theta = (m[q][q] - m[p][p]) / (2 * apq);
        double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        if (theta == 0) {
            t = 1;
        }
        double c = 1 / Math.sqrt(t * t + 1);
        double s = t * c;
        int n = m.length;
        for (int k = 0; k < n; k++) {
            double mkp = m[k][p];
            double mkq = m[k][q];
            m[k][p] = c * mkp - s * mkq;
            m[k][q] = s * mkp + c * mkq;
        }
        for (int k = 0; k < n; k++) {
            double mpk = m[p][k];
            double mqk = m[q][k];
            m[p][k] = c * mpk - s * mqk;
            m[q][k] = s * mpk + c * mqk;
        }
        for (int k = 0; k < n; k++) {
            double vkp = v[k][p];
            double vkq = v[k][q];
            v[k][p] = c * vkp - s * vkq;
            v[k][q] = s * vkp + c * vkq;
        }
    }

    private static double[][] identity(int n) {
        double[][] id = new double[n][n];
        for (int i = 0; i < n; i++) {
            id[i][i] = 1;
        }
        return id;
    }
}
