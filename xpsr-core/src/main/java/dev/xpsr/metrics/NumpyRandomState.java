package dev.xpsr.metrics;

/**
 * numpy's legacy global generator ({@code np.random.seed(s)} then {@code np.random.randint(low, high)}): the
 * MT19937 stream seeded by Matsumoto–Nishimura's {@code init_genrand}, and bounded integers drawn by numpy's
 * masked rejection ({@code random_bounded_uint64_fill} with {@code use_masked=True}, the legacy path): draw 32-bit
 * words, keep the low bits under the smallest all-ones mask covering the range, reject values above it.
 * A range of one value draws nothing. Reproducing numpy here lets MANIQA's test-time crops be the ones pyiqa takes
 * after its {@code set_random_seed}.
 */
final class NumpyRandomState {
    private static final int N = 624;
    private static final int M = 397;
    private static final int MATRIX_A = 0x9908b0df;
    private static final int UPPER = 0x80000000;
    private static final int LOWER = 0x7fffffff;

    private final int[] mt = new int[N];
    private int index;

    /** The state {@code np.random.seed(seed)} sets. */
    NumpyRandomState(long seed) {
        if (seed < 0 || seed > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("numpy seeds lie in [0, 2^32 - 1]; got " + seed);
        }
        mt[0] = (int) seed;
        for (int i = 1; i < N; i++) {
            mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
        }
        index = N;
    }

    /** {@code np.random.randint(low, high)}: uniform in [low, high); high − low at most 2^32. */
    int randint(int low, int high) {
        long range = (long) high - low - 1;
        if (range < 0) {
            throw new IllegalArgumentException("randint: low " + low + " >= high " + high);
        }
        if (range == 0) {
            return low;
        }
        long mask = range;
        for (int shift = 1; shift <= 16; shift <<= 1) {
            mask |= mask >>> shift;
        }
        long value;
        do {
            value = nextUint32() & mask;
        } while (value > range);
        return (int) (low + value);
    }

    /** The next tempered 32-bit output, as an unsigned value. */
    long nextUint32() {
        if (index >= N) {
            regenerate();
        }
        int y = mt[index++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y & 0xFFFFFFFFL;
    }

    private void regenerate() {
        for (int k = 0; k < N; k++) {
            int y = (mt[k] & UPPER) | (mt[(k + 1) % N] & LOWER);
            mt[k] = mt[(k + M) % N] ^ (y >>> 1) ^ ((y & 1) != 0 ? MATRIX_A : 0);
        }
        index = 0;
    }
}
