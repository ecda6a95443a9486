package dev.xpsr.spark;

import dev.xpsr.api.Method;
import dev.xpsr.api.Upscaler;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.pipeline.UpscaleOptions;
import dev.xpsr.pipeline.XpsrModels;

import java.io.Serial;
import java.io.Serializable;
import java.util.Objects;

/**
 * What {@link SparkUpscale} restores, where it writes, and how: built by {@link #builder(Method)}, checked in
 * {@link Builder#build()}, shipped to the executors as it is.
 */
public final class UpscaleSettings implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    /** Where the results table goes under the output folder when no table is given. */
    public static final String DEFAULT_TABLE = "_xpsr/upscale";

    private final String input;
    private final String manifest;
    private final String root;
    private final String output;
    private final String table;
    private final long seed;
    private final int partitions;
    private final long maxPixels;
    private final int threads;
    private final UpscalerSpec model;
    private final UpscaleOptions options;

    private UpscaleSettings(Builder b) {
        if ((b.input == null) == (b.manifest == null)) {
            throw new IllegalArgumentException("give either an input folder or glob, or a manifest (not both)");
        }
        if (b.root != null && b.manifest == null) {
            throw new IllegalArgumentException("a root (" + b.root + ") only applies to a manifest");
        }
        Objects.requireNonNull(b.output, "output");
        if (b.partitions < 0 || b.threads < 0 || b.maxPixels < 1) {
            throw new IllegalArgumentException("partitions and threads must be at least 0 (0 = automatic) and "
                    + "maxPixels at least 1, got " + b.partitions + ", " + b.threads + " and " + b.maxPixels);
        }
        input = b.input;
        manifest = b.manifest;
        root = b.root;
        output = stripSlash(b.output);
        table = b.table != null ? b.table : output + "/" + DEFAULT_TABLE;
        seed = b.seed;
        partitions = b.partitions;
        maxPixels = b.maxPixels;
        threads = b.threads;
        model = new UpscalerSpec(b.method, b.xpsrWeights, b.baseModel, b.variant, b.device, b.dtype, b.residency,
                b.memoryBudget, b.baselineModels, b.prompts);
        options = b.options;
    }

    public static Builder builder(Method method) {
        return new Builder(method);
    }

    /** The input folder or glob, or null when a manifest lists the inputs. */
    public String input() {
        return input;
    }

    /** The Parquet or CSV manifest, or null. */
    public String manifest() {
        return manifest;
    }

    /** The folder a manifest's paths are relative to (null: the manifest's folder). */
    public String root() {
        return root;
    }

    public String output() {
        return output;
    }

    /** The results table (Parquet, one partition per run). */
    public String table() {
        return table;
    }

    /** The base seed every image's own seed is derived from. */
    public long seed() {
        return seed;
    }

    /** Partitions of the images to restore; 0 chooses from the cluster's parallelism. */
    public int partitions() {
        return partitions;
    }

    public ImageFiles.ReadOptions readOptions() {
        return ImageFiles.ReadOptions.DEFAULTS.withMaxPixels(maxPixels);
    }

    /** ATen threads per restoration; 0 for {@code spark.task.cpus}. */
    public int threads() {
        return threads;
    }

    UpscalerSpec model() {
        return model;
    }

    /** The restoration settings; each image's seed replaces theirs. */
    public UpscaleOptions options() {
        return options;
    }

    private static String stripSlash(String s) {
        return s.length() > 1 && s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    /** Settings with XPSR's defaults for the method. */
    public static final class Builder {
        private final Method method;
        private String input;
        private String manifest;
        private String root;
        private String output;
        private String table;
        private long seed;
        private int partitions;
        private long maxPixels = ImageFiles.DEFAULT_MAX_PIXELS;
        private int threads;
        private String xpsrWeights;
        private String baseModel = Upscaler.Builder.DEFAULT_BASE_MODEL;
        private String variant;
        private String device = "cpu";
        private String dtype = "fp32";
        private XpsrModels.Residency residency;
        private long memoryBudget;
        private String baselineModels;
        private PromptSettings prompts = PromptSettings.DEFAULTS;
        private UpscaleOptions options = UpscaleOptions.DEFAULTS;

        private Builder(Method method) {
            this.method = Objects.requireNonNull(method, "method");
        }

        /** A folder (searched recursively) or a glob on any Hadoop file system. */
        public Builder input(String v) {
            input = v;
            return this;
        }

        /**
         * A Parquet or CSV (with a header) manifest: a {@code path} column, optional {@code prompt},
         * {@code lowlevel_prompt} and {@code seed} columns.
         */
        public Builder manifest(String v) {
            manifest = v;
            return this;
        }

        /** The folder a manifest's paths are resolved against and named relative to (default: its folder). */
        public Builder root(String v) {
            root = v;
            return this;
        }

        /** The output folder: {@code <output>/<relative path>.png}. */
        public Builder output(String v) {
            output = v;
            return this;
        }

        /** The results table (default {@code <output>/}{@value #DEFAULT_TABLE}). */
        public Builder table(String v) {
            table = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        public Builder partitions(int v) {
            partitions = v;
            return this;
        }

        public Builder maxPixels(long v) {
            maxPixels = v;
            return this;
        }

        public Builder threads(int v) {
            threads = v;
            return this;
        }

        public Builder xpsrWeights(String v) {
            xpsrWeights = v;
            return this;
        }

        public Builder baseModel(String v) {
            baseModel = Objects.requireNonNull(v, "baseModel");
            return this;
        }

        public Builder variant(String v) {
            variant = v;
            return this;
        }

        /** cpu, cuda (the GPU Spark gives each task, see {@link TaskDevice}) or cuda:N. */
        public Builder device(String v) {
            device = Objects.requireNonNull(v, "device");
            return this;
        }

        public Builder dtype(String v) {
            dtype = Objects.requireNonNull(v, "dtype");
            return this;
        }

        public Builder residency(XpsrModels.Residency v) {
            residency = v;
            return this;
        }

        public Builder memoryBudget(long bytes) {
            memoryBudget = bytes;
            return this;
        }

        public Builder baselineModels(String folder) {
            baselineModels = folder;
            return this;
        }

        public Builder prompts(PromptSettings v) {
            prompts = Objects.requireNonNull(v, "prompts");
            return this;
        }

        public Builder options(UpscaleOptions v) {
            options = Objects.requireNonNull(v, "options");
            return this;
        }

        /** @throws IllegalArgumentException naming the setting that is missing or out of range */
        public UpscaleSettings build() {
            return new UpscaleSettings(this);
        }
    }
}
