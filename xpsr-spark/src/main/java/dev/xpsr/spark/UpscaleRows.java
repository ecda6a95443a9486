package dev.xpsr.spark;

import dev.xpsr.api.UpscaleResult;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The results table of an upscale run: one row per image, whatever became of it. {@code status} is
 * {@value #WRITTEN}, {@value #SKIPPED} (its output existed before the run) or {@value #FAILED} (with the
 * {@code error}); prompts, settings and sizes are filled for written images, timings for images that were read.
 * The table is partitioned by {@code run_id}, one partition per run.
 */
final class UpscaleRows {
    static final String WRITTEN = "written";
    static final String SKIPPED = "skipped";
    static final String FAILED = "failed";
    static final String RUN_ID = "run_id";
    static final String STATUS = "status";
    static final String INPUT = "input";
    static final String RELATIVE_PATH = "relative_path";
    static final String ERROR = "error";

    static final StructType SCHEMA = new StructType(new StructField[] {
            field(INPUT, DataTypes.StringType, false),
            field(RELATIVE_PATH, DataTypes.StringType, false),
            field("output", DataTypes.StringType, true),
            field(STATUS, DataTypes.StringType, false),
            field(ERROR, DataTypes.StringType, true),
            field("seed", DataTypes.LongType, false),
            field("method", DataTypes.StringType, false),
            field("prompt", DataTypes.StringType, true),
            field("lowlevel_prompt", DataTypes.StringType, true),
            field("prompt_source", DataTypes.StringType, true),
            field("settings", DataTypes.StringType, true),
            field("placement", DataTypes.StringType, true),
            field("width", DataTypes.IntegerType, true),
            field("height", DataTypes.IntegerType, true),
            field("read_seconds", DataTypes.DoubleType, true),
            field("restore_seconds", DataTypes.DoubleType, true),
            field("write_seconds", DataTypes.DoubleType, true),
            field("task_attempt", DataTypes.IntegerType, true)});

    private UpscaleRows() {
    }

    private static StructField field(String name, org.apache.spark.sql.types.DataType type, boolean nullable) {
        return DataTypes.createStructField(name, type, nullable);
    }

    /** Seconds spent on one image; null where the image did not get that far. */
    record Timings(Double read, Double restore, Double write) {
    }

    static Row written(UpscaleItem item, String method, UpscaleResult r, Timings t, int attempt) {
        String prompt = r.prompts().map(p -> p.prompts().positive()).orElse(null);
        String lowlevel = r.prompts().map(p -> p.prompts().lowlevel()).orElse(null);
        String source = r.prompts().map(p -> p.source()).orElse(null);
        String settings = r.options().map(Object::toString).orElse(null);
        return RowFactory.create(item.input(), item.relative(), item.output(), WRITTEN, null, item.seed(), method,
                prompt, lowlevel, source, settings, r.placement(), r.image().width(), r.image().height(), t.read(),
                t.restore(), t.write(), attempt);
    }

    static Row failed(UpscaleItem item, String method, String error, Timings t, Integer attempt) {
        return RowFactory.create(item.input(), item.relative(), item.output(), FAILED, error, item.seed(), method,
                null, null, null, null, null, null, null, t.read(), t.restore(), t.write(), attempt);
    }

    static Row skipped(UpscaleItem item, String method) {
        return RowFactory.create(item.input(), item.relative(), item.output(), SKIPPED, null, item.seed(), method,
                null, null, null, null, null, null, null, null, null, null, null);
    }
}
