package dev.xpsr.prompt;

/**
 * In-place radix-2 Cooley–Tukey FFT of complex data held as separate real and imaginary arrays, in one and two
 * dimensions. Sizes must be powers of two. Used for the power spectra of {@link SpectralResolutionEstimator}.
 */
final class Fft {
    private Fft() {
    }

    /** Forward transform of one row of {@code n} values starting at {@code offset} with the given stride. */
    static void transform(double[] re, double[] im, int offset, int stride, int n) {
        if (Integer.bitCount(n) != 1) {
            throw new IllegalArgumentException("FFT size must be a power of two, got " + n);
        }
        for (int i = 1, j = 0; i < n; i++) {
            int bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1) {
                j ^= bit;
            }
            j ^= bit;
            if (i < j) {
                swap(re, offset + i * stride, offset + j * stride);
                swap(im, offset + i * stride, offset + j * stride);
            }
        }
        for (int len = 2; len <= n; len <<= 1) {
            double angle = -2 * Math.PI / len;
            double wr = Math.cos(angle);
            double wi = Math.sin(angle);
            for (int start = 0; start < n; start += len) {
                double cr = 1;
                double ci = 0;
                for (int k = 0; k < len / 2; k++) {
                    int a = offset + (start + k) * stride;
                    int b = offset + (start + k + len / 2) * stride;
                    double tr = re[b] * cr - im[b] * ci;
                    double ti = re[b] * ci + im[b] * cr;
                    re[b] = re[a] - tr;
                    im[b] = im[a] - ti;
                    re[a] += tr;
                    im[a] += ti;
                    double next = cr * wr - ci * wi;
                    ci = cr * wi + ci * wr;
                    cr = next;
                }
            }
        }
    }

    /** Forward 2-D transform of a row-major {@code n × n} array. */
    static void transform2d(double[] re, double[] im, int n) {
        for (int row = 0; row < n; row++) {
            transform(re, im, row * n, 1, n);
        }
        for (int col = 0; col < n; col++) {
            transform(re, im, col, n, n);
        }
    }

    private static void swap(double[] a, int i, int j) {
        double t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
