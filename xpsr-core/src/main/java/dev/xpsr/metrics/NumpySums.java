package dev.xpsr.metrics;

/**
 * numpy's summation order for a contiguous 1-D reduction ({@code np.sum}, {@code np.mean}): pairwise
 * summation ({@code pairwise_sum} in numpy's {@code loops_utils.h}), accumulating in the array's own precision.
 * Reproducing the order matters where the reference sums in float32 (BasicSR's NIQE), whose rounding depends
 * on it.
 *
 * <p>Below 8 elements: a plain loop. Up to 128: eight interleaved partial sums combined as
 * ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)), then the remainder added one by one. Above: split at half the length
 * rounded down to a multiple of 8, both halves summed recursively.
 */
final class NumpySums {
    private static final int BLOCK = 128;
    private static final int UNROLL = 8;

    private NumpySums() {
    }

    /** The float32 pairwise sum of {@code a[from .. from+n)}. */
    static float sum(float[] a, int from, int n) {
        if (n < UNROLL) {
            float res = 0f;
            for (int i = 0; i < n; i++) {
                res += a[from + i];
            }
            return res;
        }
        if (n <= BLOCK) {
            float[] r = new float[UNROLL];
            System.arraycopy(a, from, r, 0, UNROLL);
            int i = UNROLL;
            for (; i < n - n % UNROLL; i += UNROLL) {
                for (int j = 0; j < UNROLL; j++) {
                    r[j] += a[from + i + j];
                }
            }
            float res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for (; i < n; i++) {
                res += a[from + i];
            }
            return res;
        }
        int n2 = n / 2;
        n2 -= n2 % UNROLL;
        return sum(a, from, n2) + sum(a, from + n2, n - n2);
    }

    /** The float64 pairwise sum of {@code a[from .. from+n)}. */
    static double sum(double[] a, int from, int n) {
        if (n < UNROLL) {
            double res = 0;
            for (int i = 0; i < n; i++) {
                res += a[from + i];
            }
            return res;
        }
        if (n <= BLOCK) {
            double[] r = new double[UNROLL];
            System.arraycopy(a, from, r, 0, UNROLL);
            int i = UNROLL;
            for (; i < n - n % UNROLL; i += UNROLL) {
                for (int j = 0; j < UNROLL; j++) {
                    r[j] += a[from + i + j];
                }
            }
            double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for (; i < n; i++) {
                res += a[from + i];
            }
            return res;
        }
        int n2 = n / 2;
        n2 -= n2 % UNROLL;
        return sum(a, from, n2) + sum(a, from + n2, n - n2);
    }

    /**
     * {@code np.mean} of a float32 array: the pairwise sum (added to the reduction's 0 start) divided by the
     * count in float32; NaN for an empty array, as numpy (with a warning) gives.
     */
    static float mean(float[] a, int n) {
        if (n == 0) {
            return Float.NaN;
        }
        return (0f + sum(a, 0, n)) / n;
    }
}
