package dev.xpsr.spark;

import org.apache.spark.sql.SparkSession;

/**
 * The Spark session every test of this module shares: {@code local[2,2]}, two executor threads in the test JVM
 * and two attempts per task ({@code spark.task.maxFailures}, which plain {@code local[2]} ignores), no UI, bound
 * to the loopback interface. The {@code flaky:} file system ({@link FlakyFileSystem}) is registered.
 */
public final class LocalSpark {
    private LocalSpark() {
    }

    public static SparkSession session() {
        return SparkSession.builder().master("local[2,2]").appName("xpsr-spark tests")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.log.level", "WARN")
                .config("spark.hadoop.fs." + FlakyFileSystem.SCHEME + ".impl", FlakyFileSystem.class.getName())
                .getOrCreate();
    }
}
