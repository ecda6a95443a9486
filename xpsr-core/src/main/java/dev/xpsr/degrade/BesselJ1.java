package dev.xpsr.degrade;

/**
 * The Bessel function of the first kind of order one, J₁(x), in double precision (absolute error about 1e-15
 * against {@code scipy.special.j1} on [0, 70]), for the sinc kernel of {@link Kernels#circularLowpass}.
 *
 * <p>Method: Miller's backward recurrence J_{k−1}(x) = (2k/x)·J_k(x) − J_{k+1}(x), started far above x from
 * an arbitrary tiny value, normalised with the identity J₀(x) + 2·Σ_{k≥1} J_{2k}(x) = 1. Backward recurrence
 * is stable for the decreasing (minimal) solution, so every order below the start is accurate to rounding.
 * Tiny arguments use the series x/2 − x³/16 + x⁵/384.
 */
public final class BesselJ1 {
    private static final double SERIES_BELOW = 1e-4;
    private static final double RESCALE_ABOVE = 1e250;

    private BesselJ1() {
    }

    /** J₁(x); odd in x. */
    public static double j1(double x) {
        double ax = Math.abs(x);
        double value = ax < SERIES_BELOW ? series(ax) : miller(ax);
        return x < 0 ? -value : value;
    }

    private static double series(double x) {
        double x2 = x * x;
        return x / 2 * (1 - x2 / 8 + x2 * x2 / 192);
    }

    private static double miller(double x) {
        int start = 2 * (int) ((x + 30 + 4 * Math.sqrt(x)) / 2) + 2;
        double above = 0;
        double current = 1e-300;
        double evenSum = 0;
        double orderOne = 0;
        for (int k = start; k > 0; k--) {
            double below = 2.0 * k / x * current - above;
            above = current;
            current = below;
            int order = k - 1;
            if (order == 1) {
                orderOne = current;
            } else if (order > 0 && order % 2 == 0) {
                evenSum += 2 * current;
            }
            if (Math.abs(current) > RESCALE_ABOVE) {
                above /= RESCALE_ABOVE;
                current /= RESCALE_ABOVE;
                evenSum /= RESCALE_ABOVE;
                orderOne /= RESCALE_ABOVE;
            }
        }
        return orderOne / (evenSum + current);
    }
}
