package dev.xpsr.io;

import java.util.Arrays;

/**
 * Shape arithmetic shared by the reader and the writer: element counts that can neither go negative
 * nor overflow silently, and the {@code [2, 4, 16, 16]} notation used in messages.
 */
final class Shapes {

    private Shapes() {
    }

    /**
     * The product of the dims (1 for a scalar).
     *
     * @throws IllegalArgumentException if a dim is negative
     * @throws ArithmeticException if the product overflows a long
     */
    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension " + d + " in shape " + format(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** The shape as {@code [a, b, c]}. */
    static String format(long[] shape) {
        return Arrays.toString(shape);
    }
}
