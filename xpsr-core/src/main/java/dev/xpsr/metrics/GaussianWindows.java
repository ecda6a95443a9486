package dev.xpsr.metrics;

/**
 * The Gaussian windows of the SSIM references, with the reference's arithmetic so the weights are bit-identical.
 */
final class GaussianWindows {
    private GaussianWindows() {
    }

    /**
     * OpenCV {@code cv2.getGaussianKernel(n, sigma)} (CV_64F): t_i = exp(−x_i² / (2σ²)), x_i = i − (n−1)/2,
     * each multiplied by 1 / Σt (the sum accumulated in index order).
     */
    static double[] opencvKernel(int n, double sigma) {
        double scale2X = -0.5 / (sigma * sigma);
        double[] k = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double x = i - (n - 1) * 0.5;
            k[i] = StrictMath.exp(scale2X * x * x);
            sum += k[i];
        }
        sum = 1. / sum;
        for (int i = 0; i < n; i++) {
            k[i] *= sum;
        }
        return k;
    }

    /**
     * BasicSR's SSIM window {@code np.outer(k, k)} with k = {@code cv2.getGaussianKernel(size, sigma)}, row-major
     * (size × size), float64.
     */
    static double[] basicsrWindow(int size, double sigma) {
        double[] k = opencvKernel(size, sigma);
        double[] w = new double[size * size];
        for (int i = 0; i < size; i++) {
            for (int j = 0; j < size; j++) {
                w[i * size + j] = k[i] * k[j];
            }
        }
        return w;
    }

    /** The sampled Gaussian exp(−x²/(2σ²)), x = i − (n−1)/2, divided by its sum, in float64. */
    static double[] gaussian1d(int n, double sigma) {
        double[] g = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double x = i - (n - 1) / 2.;
            g[i] = StrictMath.exp(-(x * x) / (2. * sigma * sigma));
            sum += g[i];
        }
        for (int i = 0; i < n; i++) {
            g[i] /= sum;
        }
        return g;
    }

    /**
     * pyiqa 0.1.10 {@code matlab_utils.fspecial(size, sigma)}: MATLAB's {@code fspecial('gaussian')} in float64
     * (values below eps·max zeroed, divided by the numpy pairwise sum), then rounded to float32 by
     * {@code torch.from_numpy(h).float()}; row-major (size × size).
     */
    static float[] pyiqaFspecial(int size, double sigma) {
        double m = (size - 1.) / 2.;
        double[] h = new double[size * size];
        double max = 0;
        for (int i = 0; i < size; i++) {
            for (int j = 0; j < size; j++) {
                double y = -m + i;
                double x = -m + j;
                h[i * size + j] = StrictMath.exp(-(x * x + y * y) / (2. * sigma * sigma));
                max = Math.max(max, h[i * size + j]);
            }
        }
        double eps = Math.ulp(1.0);
        for (int i = 0; i < h.length; i++) {
            if (h[i] < eps * max) {
                h[i] = 0;
            }
        }
        double sum = NumpySums.sum(h, 0, h.length);
        float[] out = new float[h.length];
        for (int i = 0; i < h.length; i++) {
            out[i] = (float) (sum != 0 ? h[i] / sum : h[i]);
        }
        return out;
    }
}
