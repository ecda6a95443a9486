package dev.xpsr.train;

/**
 * Seeds derived from the run's seed and a position (step, micro-batch, sample): every random draw of training is
 * a pure function of where it happens, so the training state needs no generator snapshot and a resumed run draws
 * exactly what an uninterrupted one does.
 */
final class Seeds {
    private Seeds() {
    }

    /** SplitMix64 finalisers chained over the seed and each part. */
    static long derive(long seed, long... parts) {
        long h = mix(seed);
        for (long p : parts) {
            h = mix(h ^ p);
        }
        return h;
    }

    private static long mix(long z) {
        z += 0x9e3779b97f4a7c15L;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
