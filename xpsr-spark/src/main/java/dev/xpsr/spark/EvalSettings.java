package dev.xpsr.spark;

import dev.xpsr.eval.SizePolicy;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.metrics.ColorSpace;
import dev.xpsr.metrics.Convention;
import dev.xpsr.metrics.PretrainedFile;
import dev.xpsr.util.BundledData;

import java.io.Serial;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What {@link SparkEval} scores, with the options and defaults of {@code xpsr eval}: built by {@link #builder},
 * checked in {@link Builder#build()}.
 */
public final class EvalSettings implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String hr;
    private final String sr;
    private final String lr;
    private final SizePolicy resize;
    private final long maxPixels;
    private final MetricSpec metrics;
    private final int threads;
    private final int partitions;

    private EvalSettings(Builder b) {
        hr = Objects.requireNonNull(b.hr, "hr");
        sr = Objects.requireNonNull(b.sr, "sr");
        lr = b.lr;
        resize = Objects.requireNonNull(b.resize, "resize");
        if (b.maxPixels < 1 || b.threads < 0 || b.partitions < 0) {
            throw new IllegalArgumentException("maxPixels must be at least 1, threads and partitions at least 0 "
                    + "(0 = automatic), got " + b.maxPixels + ", " + b.threads + " and " + b.partitions);
        }
        maxPixels = b.maxPixels;
        metrics = new MetricSpec(b.convention, b.cropBorder, b.yChannel, b.colorSpace, b.data, b.weights, b.device,
                b.names, b.batch);
        threads = b.threads;
        partitions = b.partitions;
        hrFolder();
        srFolder();
        lrFolder();
    }

    /** Settings for restored images in {@code sr} against ground truth in {@code hr} (local paths). */
    public static Builder builder(String hr, String sr) {
        return new Builder(hr, sr);
    }

    Path hrFolder() {
        return LocalPaths.of(hr, "HR folder");
    }

    Path srFolder() {
        return LocalPaths.of(sr, "SR folder");
    }

    /** The LR folder, or null. */
    Path lrFolder() {
        return lr == null ? null : LocalPaths.of(lr, "LR folder");
    }

    SizePolicy resize() {
        return resize;
    }

    ImageFiles.ReadOptions readOptions() {
        return ImageFiles.ReadOptions.DEFAULTS.withMaxPixels(maxPixels);
    }

    MetricSpec metrics() {
        return metrics;
    }

    /** ATen threads per task; 0 for {@code spark.task.cpus}. */
    int threads() {
        return threads;
    }

    /** Partitions of each scored set; 0 chooses from the cluster's parallelism. */
    int partitions() {
        return partitions;
    }

    /** Each setter is the {@code xpsr eval} option of the same name, with its default. */
    public static final class Builder {
        private final String hr;
        private final String sr;
        private String lr;
        private SizePolicy resize = SizePolicy.ERROR;
        private long maxPixels = ImageFiles.DEFAULT_MAX_PIXELS;
        private Convention convention = Convention.BASICSR;
        private int cropBorder = 4;
        private boolean yChannel = true;
        private ColorSpace colorSpace = ColorSpace.YIQ;
        private List<String> names = List.of();
        private String weights = PretrainedFile.defaultFolder().toString();
        private String data = BundledData.folder().toString();
        private String device = "cpu";
        private int batch = 1;
        private int threads;
        private int partitions;

        private Builder(String hr, String sr) {
            this.hr = hr;
            this.sr = sr;
        }

        /** LR inputs named as in the HR folder: their no-reference scores are an extra set. */
        public Builder lr(String v) {
            lr = v;
            return this;
        }

        public Builder resize(SizePolicy v) {
            resize = v;
            return this;
        }

        public Builder maxPixels(long v) {
            maxPixels = v;
            return this;
        }

        public Builder convention(Convention v) {
            convention = v;
            return this;
        }

        public Builder cropBorder(int v) {
            cropBorder = v;
            return this;
        }

        /** PSNR/SSIM on the luma channel (true, the default) or on RGB. */
        public Builder yChannel(boolean v) {
            yChannel = v;
            return this;
        }

        public Builder colorSpace(ColorSpace v) {
            colorSpace = v;
            return this;
        }

        /** Only these metrics (default: every metric the registry knows). */
        public Builder metrics(List<String> v) {
            names = v == null ? List.of() : v;
            return this;
        }

        public Builder weights(String folder) {
            weights = folder;
            return this;
        }

        public Builder data(String folder) {
            data = folder;
            return this;
        }

        public Builder device(String v) {
            device = v;
            return this;
        }

        public Builder batch(int v) {
            batch = v;
            return this;
        }

        public Builder threads(int v) {
            threads = v;
            return this;
        }

        public Builder partitions(int v) {
            partitions = v;
            return this;
        }

        /** @throws IllegalArgumentException naming a value out of range or a folder that is not local */
        public EvalSettings build() {
            return new EvalSettings(this);
        }
    }
}
