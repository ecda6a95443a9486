package dev.xpsr.spark;

import org.apache.spark.SparkConf;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How many tasks one executor runs at once and how many cores each task has, from the Spark settings: the
 * executor's cores ({@code spark.executor.cores}; in local mode the N of {@code local[N]}) divided by
 * {@code spark.task.cpus}. A task runs its networks on {@code spark.task.cpus} ATen threads by default, and one
 * executor's shared {@code Upscaler} restores {@link #concurrent()} images at once, one per running task.
 *
 * @param executorCores cores of one executor
 * @param taskCpus      cores of one task
 */
record TaskSlots(int executorCores, int taskCpus) {
    private static final Pattern LOCAL = Pattern.compile("local(?:\\[(\\*|\\d+)(?:,\\d+)?])?");
    private static final Pattern LOCAL_CLUSTER = Pattern.compile("local-cluster\\[\\d+,\\s*(\\d+),\\s*\\d+]");

    TaskSlots {
        if (executorCores < 1 || taskCpus < 1) {
            throw new IllegalArgumentException("executor cores and spark.task.cpus must be at least 1, got "
                    + executorCores + " and " + taskCpus);
        }
    }

    /** The slots of an executor started with {@code conf}. */
    static TaskSlots of(SparkConf conf) {
        int taskCpus = conf.getInt("spark.task.cpus", 1);
        String master = conf.get("spark.master", "");
        Matcher local = LOCAL.matcher(master);
        Matcher cluster = LOCAL_CLUSTER.matcher(master);
        int cores;
        if (local.matches()) {
            String n = local.group(1);
            cores = n == null ? 1 : n.equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(n);
        } else if (cluster.matches()) {
            cores = Integer.parseInt(cluster.group(1));
        } else {
            // standalone gives an executor every core of its worker unless spark.executor.cores says otherwise
            cores = conf.getInt("spark.executor.cores", Runtime.getRuntime().availableProcessors());
        }
        return new TaskSlots(cores, taskCpus);
    }

    /** Tasks running at once in one executor (at least 1). */
    int concurrent() {
        return Math.max(1, executorCores / taskCpus);
    }
}
