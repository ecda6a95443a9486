package dev.xpsr.server;

import java.util.ArrayDeque;

/** The run times of the last jobs, for telling a refused client when to come back. */
final class RecentDurations {
    private static final int KEPT = 20;
    /** Assumed before any job finished: a baseline's few seconds. */
    private static final double UNKNOWN_SECONDS = 5;
    private final ArrayDeque<Double> last = new ArrayDeque<>();

    synchronized void add(double seconds) {
        if (last.size() == KEPT) {
            last.removeFirst();
        }
        last.addLast(seconds);
    }

    synchronized double median() {
        if (last.isEmpty()) {
            return UNKNOWN_SECONDS;
        }
        double[] s = last.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
