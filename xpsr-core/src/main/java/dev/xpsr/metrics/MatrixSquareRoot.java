package dev.xpsr.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The principal square root of a real square matrix by the Schur method, with scipy 1.10's
 * {@code scipy.linalg.sqrtm} semantics (Deadman, Higham and Ralha's blocked algorithm), including when it fails:
 * <ol>
 *   <li>A = Z T Zᴴ with T upper triangular ({@link ComplexSchur});</li>
 *   <li>R = √T: R[i][i] = √T[i][i] (principal root); T is cut into blocks of about 64 (⌊n/64⌋ blocks, at least
 *       one, the larger ones last). Inside a block, column by column and upwards, R[i][j] = (T[i][j] − Σ R[i][k]
 *       R[k][j]) / (R[i][i] + R[j][j]) over i &lt; k &lt; j; a zero denominator with a zero numerator gives 0,
 *       with a non-zero numerator the root <b>fails</b>. Between blocks, R_ij solves the Sylvester equation
 *       R_ii X + X R_jj = T_ij − R_i,between · R_between,j ({@code ztrsyl}), which never fails (LAPACK perturbs
 *       a singular system);</li>
 *   <li>X = Z R Zᴴ.</li>
 * </ol>
 * A failure gives a matrix of NaNs, as scipy's {@code sqrtm} returns it. The arithmetic is complex throughout;
 * scipy keeps it real when T is triangular with a non-negative diagonal, where complex arithmetic on zero
 * imaginary parts rounds identically, so only {@link Root#complex()} records which of the two scipy returned.
 * It fails in practice on matrices with two exactly-zero eigenvalues that {@code dgees} isolates (an exactly zero
 * row and an exactly zero column) inside one block: the product of two covariance matrices whose sets each have a
 * different constant feature.
 */
final class MatrixSquareRoot {
    /** scipy's default {@code blocksize}. */
    static final int BLOCK_SIZE = 64;

    private MatrixSquareRoot() {
    }

    /**
     * A square root.
     *
     * @param value   X with X·X ≈ A, or all NaN if the method failed
     * @param complex whether scipy returns it as a complex array (T not triangular, or a negative eigenvalue)
     * @param failed  whether the triangular recurrence met a zero denominator with a non-zero numerator
     */
    record Root(ComplexMatrix value, boolean complex, boolean failed) {
    }

    /**
     * {@code sqrtm(a, disp=False)[0]} of the row-major n×n matrix {@code a}.
     *
     * @throws IllegalArgumentException if {@code a} has an infinite or NaN entry (scipy checks it too)
     */
    static Root sqrtm(double[] a, int n) {
        for (double v : a) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("the matrix square root of a " + n + "x" + n
                        + " matrix with infinite or NaN entries is undefined");
            }
        }
        ComplexSchur schur = ComplexSchur.of(a, n);
        boolean complex = !schur.real() || hasNegativeDiagonal(schur.t());
        ComplexMatrix r = triangularRoot(schur.t());
        if (r == null) {
            double[] nan = new double[2 * n * n];
            Arrays.fill(nan, Double.NaN);
            return new Root(new ComplexMatrix(n, n, nan), complex, true);
        }
        return new Root(schur.z().times(r).timesConjugateTranspose(schur.z()), complex, false);
    }

    private static boolean hasNegativeDiagonal(ComplexMatrix t) {
        for (int i = 0; i < t.rows(); i++) {
            if (t.re(i, i) < 0) {
                return true;
            }
        }
        return false;
    }

    /** {@code _sqrtm_triu}: the square root of an upper-triangular T, or null where the recurrence fails. */
    static ComplexMatrix triangularRoot(ComplexMatrix t) {
        int n = t.rows();
        ComplexMatrix r = new ComplexMatrix(n, n);
        for (int i = 0; i < n; i++) {
            r.set(i, i, t.get(i, i).sqrt());
        }
        List<int[]> blocks = blocks(n);
        for (int[] b : blocks) {
            if (!withinBlock(r, t, b[0], b[1])) {
                return null;
            }
        }
        for (int j = 0; j < blocks.size(); j++) {
            for (int i = j - 1; i >= 0; i--) {
                betweenBlocks(r, t, blocks.get(i), blocks.get(j), j - i > 1);
            }
        }
        return r;
    }

    /** [start, stop) of each block: ⌊n/64⌋ blocks (at least 1), the n mod that many of them one larger, last. */
    static List<int[]> blocks(int n) {
        int count = Math.max(n / BLOCK_SIZE, 1);
        int small = n / count;
        int large = n % count;
        List<int[]> out = new ArrayList<>();
        int start = 0;
        for (int b = 0; b < count; b++) {
            int size = b < count - large ? small : small + 1;
            out.add(new int[] {start, start + size});
            start += size;
        }
        return out;
    }

    /** The recurrence inside [start, stop); false where a zero denominator meets a non-zero numerator. */
    private static boolean withinBlock(ComplexMatrix r, ComplexMatrix t, int start, int stop) {
        for (int j = start; j < stop; j++) {
            for (int i = j - 1; i >= start; i--) {
                Complex s = Complex.ZERO;
                for (int k = i + 1; k < j; k++) {
                    s = s.plus(r.get(i, k).times(r.get(k, j)));
                }
                Complex denominator = r.get(i, i).plus(r.get(j, j));
                Complex numerator = t.get(i, j).minus(s);
                if (!denominator.isZero()) {
                    r.set(i, j, numerator.dividedBy(denominator));
                } else if (numerator.isZero()) {
                    r.set(i, j, Complex.ZERO);
                } else {
                    return false;
                }
            }
        }
        return true;
    }

    /** R_ij from R_ii X + X R_jj = scale · S, S = T_ij − R_i,between · R_between,j; R_ij = scale · X. */
    private static void betweenBlocks(ComplexMatrix r, ComplexMatrix t, int[] bi, int[] bj, boolean gap) {
        ComplexMatrix s = t.block(bi[0], bi[1], bj[0], bj[1]);
        if (gap) {
            s = s.minus(r.block(bi[0], bi[1], bi[1], bj[0]).times(r.block(bi[1], bj[0], bj[0], bj[1])));
        }
        ComplexMatrix rii = r.block(bi[0], bi[1], bi[0], bi[1]);
        ComplexMatrix rjj = r.block(bj[0], bj[1], bj[0], bj[1]);
        double scale = Lapack.ztrsyl(rii.data(), rii.rows(), rjj.data(), rjj.rows(), s.data());
        if (scale != 1) {
            double[] x = s.data();
            for (int k = 0; k < x.length; k++) {
                x[k] *= scale;
            }
        }
        r.setBlock(bi[0], bj[0], s);
    }
}
