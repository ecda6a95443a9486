package dev.xpsr.metrics;

import dev.xpsr.torch.NativeStartup;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.openblas.global.openblas;

/**
 * The few LAPACK and BLAS routines that scipy's and numpy's results depend on, called in the OpenBLAS build that
 * already serves libtorch (its LAPACK half, bound by the {@code openblas} preset): scipy's {@code sqrtm} takes its
 * Schur form from {@code ?gees} and solves its off-diagonal blocks with {@code ?trsyl}, so calling the same
 * routines reproduces which matrices it fails on, not only its values. Matrices are row-major; complex ones are
 * interleaved (re, im) pairs, as LAPACKE takes them.
 */
final class Lapack {
    private static volatile boolean loaded;

    private Lapack() {
    }

    /** The real Schur form A = Z T Zᵀ: T upper quasi-triangular (2×2 blocks for complex pairs), Z orthogonal. */
    record RealSchur(int n, double[] t, double[] z) {
    }

    /** {@code dgees(jobvs='V', sort='N')}, as {@code scipy.linalg.schur(a)} calls it, of the n×n matrix {@code a}. */
    static RealSchur dgees(double[] a, int n) {
        start();
        double[] t = a.clone();
        double[] z = new double[n * n];
        int info = openblas.LAPACKE_dgees(openblas.LAPACK_ROW_MAJOR, (byte) 'V', (byte) 'N', null, n, t, n,
                new int[1], new double[n], new double[n], z, n);
        check("dgees", info);
        return new RealSchur(n, t, z);
    }

    /** The eigenvalues of a complex 2×2 matrix (interleaved), in {@code zgeev}'s order, as scipy's {@code eigvals}. */
    static double[] zgeev2(double[] m) {
        start();
        double[] w = new double[4];
        int info = openblas.LAPACKE_zgeev(openblas.LAPACK_ROW_MAJOR, (byte) 'N', (byte) 'N', 2, m.clone(), 2, w,
                new double[2], 2, new double[2], 2);
        check("zgeev", info);
        return w;
    }

    /**
     * {@code ztrsyl(trana='N', tranb='N', isgn=1)}: solves A X + X B = scale · C for upper-triangular complex A
     * (m×m) and B (n×n), overwriting {@code c} (m×n) with X.
     *
     * @return the scale factor (≤ 1) LAPACK chose to avoid overflow
     */
    static double ztrsyl(double[] a, int m, double[] b, int n, double[] c) {
        start();
        double[] scale = new double[1];
        int info = openblas.LAPACKE_ztrsyl(openblas.LAPACK_ROW_MAJOR, (byte) 'N', (byte) 'N', 1, m, n, a, m, b, n,
                c, n, scale);
        // info 1 means A and B have (nearly) common eigenvalues and perturbed values were used: scipy ignores it
        if (info < 0) {
            check("ztrsyl", info);
        }
        return scale[0];
    }

    /**
     * The complex product A · op(B) ({@code zgemm}) of an m×k and a k×n interleaved matrix, op(B) = B, or of an
     * m×k and an n×k matrix with op(B) = Bᴴ when {@code conjugateB}.
     */
    static double[] zgemm(double[] a, double[] b, int m, int k, int n, boolean conjugateB) {
        start();
        try (PointerScope scope = new PointerScope()) {
            DoublePointer c = new DoublePointer(2L * m * n);
            openblas.cblas_zgemm(openblas.CblasRowMajor, openblas.CblasNoTrans,
                    conjugateB ? openblas.CblasConjTrans : openblas.CblasNoTrans, m, n, k,
                    new DoublePointer(1.0, 0.0), new DoublePointer(a), k, new DoublePointer(b), conjugateB ? k : n,
                    new DoublePointer(0.0, 0.0), c, n);
            double[] out = new double[2 * m * n];
            c.get(out);
            return out;
        }
    }

    /** The real product A · B ({@code dgemm}) of two n×n matrices, as numpy's {@code a.dot(b)} of float64 ones. */
    static double[] dgemm(double[] a, double[] b, int n) {
        start();
        double[] c = new double[n * n];
        openblas.cblas_dgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasNoTrans, n, n, n, 1.0, a,
                n, b, n, 0.0, c, n);
        return c;
    }

    /** The float32 dot product {@code sdot}, which numpy's {@code float32_vector.dot(float32_vector)} calls. */
    static float sdot(float[] x, float[] y) {
        start();
        try (PointerScope scope = new PointerScope()) {
            return openblas.cblas_sdot(x.length, new FloatPointer(x), 1, new FloatPointer(y), 1);
        }
    }

    private static void check(String routine, int info) {
        if (info != 0) {
            throw new ArithmeticException("LAPACK " + routine + " failed with info " + info
                    + (info < 0 ? " (argument " + -info + " invalid)" : " (the QR algorithm did not converge)"));
        }
    }

    /** Loads the LAPACK bindings once, after the engine has loaded OpenBLAS and pinned it to one thread. */
    private static void start() {
        if (!loaded) {
            synchronized (Lapack.class) {
                if (!loaded) {
                    NativeStartup.ensureStarted();
                    Loader.load(openblas.class);
                    loaded = true;
                }
            }
        }
    }
}
