package dev.xpsr.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

import java.io.IOException;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The upscale job: restores every image of a folder, glob or manifest on the executors, one {@code Upscaler} per
 * executor JVM, and writes each output PNG atomically ({@code <output>/<relative path>.png}, with the method,
 * prompts, seed and settings as text chunks) and one row per image into the results table
 * ({@link UpscaleRows}; Parquet, appended as a partition {@code run_id=<run>}).
 *
 * <p>Idempotent: images whose output already exists are skipped (listed once by the driver). Deterministic: each
 * image's seed comes from the base seed and its relative path ({@link UpscaleInputs}), and each restoration runs
 * on a fixed number of ATen threads, so the bytes depend neither on the partitioning nor on task retries.
 */
public final class SparkUpscale {
    private static final DateTimeFormatter RUN_ID = DateTimeFormatter.ofPattern("'run-'yyyyMMdd-HHmmss-SSS");

    private SparkUpscale() {
    }

    /**
     * What one run did.
     *
     * @param rows the run's rows of the results table
     */
    public record Summary(String runId, String table, long written, long skipped, long failed, Dataset<Row> rows) {
        /** The first {@code limit} images that failed, by relative path: input → error. */
        public Map<String, String> failures(int limit) {
            Map<String, String> out = new LinkedHashMap<>();
            for (Row r : rows.where(functions.col(UpscaleRows.STATUS).equalTo(UpscaleRows.FAILED))
                    .orderBy(UpscaleRows.RELATIVE_PATH).select(UpscaleRows.INPUT, UpscaleRows.ERROR).limit(limit)
                    .collectAsList()) {
                out.put(r.getString(0), r.getString(1));
            }
            return out;
        }
    }

    /**
     * Runs the job.
     *
     * @throws IOException when the inputs cannot be listed
     * @throws IllegalArgumentException for a manifest without a path column
     */
    public static Summary run(SparkSession spark, UpscaleSettings settings) throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        String method = settings.model().method().id();
        List<UpscaleItem> items = UpscaleInputs.collect(spark, settings);
        Set<String> existing = HadoopFiles.listFiles(settings.output(), conf);
        List<Row> decided = new ArrayList<>();
        List<UpscaleItem> pending = new ArrayList<>();
        for (UpscaleItem item : items) {
            if (item.refusal() != null) {
                decided.add(UpscaleRows.failed(item, method, item.refusal(), new UpscaleRows.Timings(null, null,
                        null), null));
            } else if (existing.contains(UpscaleInputs.outputName(item.relative()))) {
                decided.add(UpscaleRows.skipped(item, method));
            } else {
                pending.add(item);
            }
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        jsc.setJobDescription("xpsr upscale (" + method + "): " + pending.size() + " images");
        JavaRDD<Row> restored = jsc.parallelize(pending, Partitions.count(jsc, settings.partitions(), pending.size()))
                .mapPartitions(new UpscaleTask(settings, new HadoopConf(conf)));
        String runId = ZonedDateTime.now(ZoneOffset.UTC).format(RUN_ID);
        spark.createDataFrame(restored, UpscaleRows.SCHEMA).union(spark.createDataFrame(decided, UpscaleRows.SCHEMA))
                .withColumn(UpscaleRows.RUN_ID, functions.lit(runId))
                .write().mode(SaveMode.Append).partitionBy(UpscaleRows.RUN_ID).parquet(settings.table());
        jsc.setJobDescription(null);
        Dataset<Row> rows = spark.read().parquet(settings.table() + "/" + UpscaleRows.RUN_ID + "=" + runId);
        Map<String, Long> counts = new HashMap<>();
        for (Row r : rows.groupBy(UpscaleRows.STATUS).count().collectAsList()) {
            counts.put(r.getString(0), r.getLong(1));
        }
        return new Summary(runId, settings.table(), counts.getOrDefault(UpscaleRows.WRITTEN, 0L),
                counts.getOrDefault(UpscaleRows.SKIPPED, 0L), counts.getOrDefault(UpscaleRows.FAILED, 0L), rows);
    }
}
