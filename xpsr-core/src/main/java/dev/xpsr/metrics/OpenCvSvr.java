package dev.xpsr.metrics;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A support-vector regressor saved by OpenCV's {@code cv::ml::SVM} ({@code opencv_ml_svm} YAML, EPS_SVR or
 * NU_SVR with an RBF kernel), predicting as OpenCV 4.6's {@code SVMImpl::predict} does:
 * <pre>
 *   k_j = exp(−γ · Σ_i (sv_j[i] − x[i])²)     (differences in float32, squares summed in float64, OpenCV's
 *                                             float32 exp)
 *   f(x) = Σ_j α_j k_j − ρ                    (float64, rounded to float32)
 * </pre>
 */
final class OpenCvSvr {
    // mathfuncs_core exp32f: 2^(n/64) from a 64-entry table (scaled by A0) times a degree-4 polynomial
    private static final double A0 = .9670371139572337719125840413672004409288e-2;
    private static final float A4 = (float) (1.000000000000002438532970795181890933776 / A0);
    private static final float A3 = (float) (.6931471805521448196800669615864773144641 / A0);
    private static final float A2 = (float) (.2402265109513301490103372422686535526573 / A0);
    private static final float A1 = (float) (.5550339366753125211915322047004666939128e-1 / A0);
    private static final int TABLE_BITS = 6;
    private static final double PRESCALE = 1.4426950408889634073599246810019 * (1 << TABLE_BITS);
    private static final double MAX_ARGUMENT = 3000. * (1 << TABLE_BITS);
    private static final float[] TABLE = exponentTable();

    private final float[][] supportVectors;
    private final double[] alpha;
    private final int[] index;
    private final double rho;
    private final double gamma;

    private OpenCvSvr(float[][] supportVectors, double[] alpha, int[] index, double rho, double gamma) {
        this.supportVectors = supportVectors;
        this.alpha = alpha;
        this.index = index;
        this.rho = rho;
        this.gamma = gamma;
    }

    static OpenCvSvr read(Path file) throws IOException {
        String where = file.toString();
        Object root = FileStorageYaml.child(FileStorageYaml.read(file), "opencv_ml_svm", where);
        String type = String.valueOf(FileStorageYaml.child(root, "svmType", where));
        String kernel = String.valueOf(FileStorageYaml.child(FileStorageYaml.child(root, "kernel", where), "type",
                where));
        if (!(type.equals("EPS_SVR") || type.equals("NU_SVR")) || !kernel.equals("RBF")) {
            throw new IOException(where + ": only RBF-kernel regression models are supported, got " + type + " / "
                    + kernel);
        }
        double gamma = FileStorageYaml.number(FileStorageYaml.child(FileStorageYaml.child(root, "kernel", where),
                "gamma", where), where + " gamma");
        int varCount = (int) FileStorageYaml.number(FileStorageYaml.child(root, "var_count", where), where);
        float[][] sv = supportVectors(FileStorageYaml.child(root, "support_vectors", where), varCount, where);
        Object df = decisionFunction(FileStorageYaml.child(root, "decision_functions", where), where);
        double rho = FileStorageYaml.number(FileStorageYaml.child(df, "rho", where), where + " rho");
        double[] alpha = FileStorageYaml.numbers(FileStorageYaml.child(df, "alpha", where), where + " alpha");
        int[] index = new int[alpha.length];
        if (df instanceof Map<?, ?> m && m.containsKey("index")) {
            double[] idx = FileStorageYaml.numbers(m.get("index"), where + " index");
            for (int i = 0; i < idx.length; i++) {
                index[i] = (int) idx[i];
            }
        } else if (alpha.length != sv.length) {
            throw new IOException(where + ": " + alpha.length + " alphas for " + sv.length + " support vectors");
        } else {
            for (int i = 0; i < index.length; i++) {
                index[i] = i;
            }
        }
        return new OpenCvSvr(sv, alpha, index, rho, gamma);
    }

    int varCount() {
        return supportVectors[0].length;
    }

    /** The regression value of one sample (already scaled as the model was trained). */
    float predict(float[] x) {
        float[] k = new float[supportVectors.length];
        for (int j = 0; j < k.length; j++) {
            k[j] = exp32f((float) (squaredDistance(supportVectors[j], x) * -gamma));
        }
        double sum = -rho;
        for (int i = 0; i < alpha.length; i++) {
            sum += k[index[i]] * alpha[i];
        }
        return (float) sum;
    }

    /**
     * OpenCV's float32 {@code cv::exp} ({@code hal::exp32f}, SIMD path with FMA): x·64/ln 2 rounded to n, then
     * 2^(n/64) = 2^⌊n/64⌋ · table[n mod 64] times a polynomial in the remainder. Its last-bit behaviour differs
     * from a correctly rounded exp, and the SVR sums 774 kernels weighted by up to ±1024, so a port needs it to
     * reproduce OpenCV's scores to float precision.
     */
    static float exp32f(float x) {
        float lo = (float) (-MAX_ARGUMENT / PRESCALE);
        float hi = (float) (MAX_ARGUMENT / PRESCALE);
        float xf = Math.min(Math.max(x, lo), hi) * (float) PRESCALE;
        int n = (int) Math.rint(xf);
        xf = (xf - n) * (float) (1. / (1 << TABLE_BITS));
        int exponent = Math.min(Math.max((n >> TABLE_BITS) + 127, 0), 255);
        float scale = TABLE[n & ((1 << TABLE_BITS) - 1)] * Float.intBitsToFloat(exponent << 23);
        float z = xf + A1;
        z = Math.fma(z, xf, A2);
        z = Math.fma(z, xf, A3);
        z = Math.fma(z, xf, A4);
        return z * scale;
    }

    private static float[] exponentTable() {
        float[] t = new float[1 << TABLE_BITS];
        for (int i = 0; i < t.length; i++) {
            t[i] = (float) (StrictMath.pow(2, (double) i / t.length) * A0);
        }
        return t;
    }

    /** svm.cpp calc_rbf: float32 differences, squares added two at a time into a float64 sum. */
    private static double squaredDistance(float[] sv, float[] x) {
        double s = 0;
        int k = 0;
        for (; k <= x.length - 4; k += 4) {
            double t0 = sv[k] - x[k];
            double t1 = sv[k + 1] - x[k + 1];
            s += t0 * t0 + t1 * t1;
            t0 = sv[k + 2] - x[k + 2];
            t1 = sv[k + 3] - x[k + 3];
            s += t0 * t0 + t1 * t1;
        }
        for (; k < x.length; k++) {
            double t0 = sv[k] - x[k];
            s += t0 * t0;
        }
        return s;
    }

    private static float[][] supportVectors(Object node, int varCount, String where) throws IOException {
        if (!(node instanceof List<?> rows) || rows.isEmpty()) {
            throw new IOException(where + ": support_vectors is not a non-empty sequence");
        }
        float[][] sv = new float[rows.size()][];
        for (int j = 0; j < sv.length; j++) {
            double[] v = FileStorageYaml.numbers(rows.get(j), where + " support_vectors[" + j + "]");
            if (v.length != varCount) {
                throw new IOException(where + ": support vector " + j + " has " + v.length + " values, var_count is "
                        + varCount);
            }
            sv[j] = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                sv[j][i] = (float) v[i];
            }
        }
        return sv;
    }

    private static Object decisionFunction(Object node, String where) throws IOException {
        if (node instanceof List<?> list && list.size() == 1) {
            return list.get(0);
        }
        throw new IOException(where + ": a regression model has exactly one decision function");
    }
}
