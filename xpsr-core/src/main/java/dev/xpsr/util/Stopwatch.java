package dev.xpsr.util;

import java.util.Arrays;

/** Wall-clock timings of repeated runs and their median. */
public final class Stopwatch {
    private Stopwatch() {
    }

    /** Median of the values (mean of the middle two for an even count). */
    public static double median(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        double[] s = values.clone();
        Arrays.sort(s);
        int m = s.length / 2;
        return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
    }

    /** Seconds taken by {@code action}. */
    public static double seconds(Runnable action) {
        long start = System.nanoTime();
        action.run();
        return (System.nanoTime() - start) / 1e9;
    }
}
