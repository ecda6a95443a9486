package dev.xpsr.spark;

import org.apache.spark.api.java.JavaSparkContext;

/** How many partitions a job splits its items into. */
final class Partitions {
    /**
     * Partitions per task slot when none is asked for: a slot that draws a slow partition is not left holding the
     * job's tail, and a retry redoes little. Task start-up costs milliseconds, an image seconds or more.
     */
    static final int PER_SLOT = 4;

    private Partitions() {
    }

    /** {@code requested} when above 0, else {@value #PER_SLOT} per slot of the cluster; at most one per item. */
    static int count(JavaSparkContext jsc, int requested, int items) {
        int n = requested > 0 ? requested : PER_SLOT * jsc.defaultParallelism();
        return Math.max(1, Math.min(n, items));
    }
}
