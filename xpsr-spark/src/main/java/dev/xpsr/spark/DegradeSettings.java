package dev.xpsr.spark;

import dev.xpsr.degrade.DegradationPreset;
import dev.xpsr.degrade.TrainingPairMaker;
import dev.xpsr.degrade.TrainingSetLayout;
import dev.xpsr.degrade.TrainingSetWriter;
import dev.xpsr.io.ImageFiles;

import java.io.Serial;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What {@link SparkDegrade} makes, with the options and defaults of {@code xpsr degrade}.
 *
 * @param hrDir        folder of HR photos, searched recursively (a local path or {@code file:} URI)
 * @param output       output folder, in the layout of {@code xpsr degrade}
 * @param preset       degradation preset name ({@code seesr}, {@code realesrgan-x4plus}, {@code xpsr-params})
 * @param seed         base seed; each pair's seed mixes it with the image name and pair number
 * @param count        pairs per HR image
 * @param datasetIndex first {@code dataset_<K>} folder of XPSR's layout, or null for the flat layout
 * @param cropSize     side of the square HR crop and of the upsampled LR
 * @param minPixels    images with fewer pixels are skipped
 * @param minFileBytes files smaller than this are skipped
 * @param hflip        random horizontal flip
 * @param maxPixels    images with more pixels fail, before decoding
 * @param threads      ATen threads per task; 0 for {@code spark.task.cpus}
 * @param partitions   partitions of the HR images; 0 chooses from the cluster's parallelism
 */
public record DegradeSettings(String hrDir, String output, String preset, long seed, int count, Integer datasetIndex,
                              int cropSize, long minPixels, long minFileBytes, boolean hflip, long maxPixels,
                              int threads, int partitions) implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    /** @throws IllegalArgumentException naming a value out of range or an unknown preset */
    public DegradeSettings {
        Objects.requireNonNull(hrDir, "hrDir");
        Objects.requireNonNull(output, "output");
        // fail here, on the driver, naming a bad preset, crop size, count, dataset index or folder
        maker(preset, cropSize, minPixels, minFileBytes, hflip);
        new TrainingSetLayout(LocalPaths.of(output, "output folder"), datasetIndex, count, seed);
        LocalPaths.of(hrDir, "HR folder");
        if (threads < 0 || partitions < 0) {
            throw new IllegalArgumentException("threads and partitions must be at least 0 (0 = automatic), got "
                    + threads + " and " + partitions);
        }
    }

    /** Settings with {@code xpsr degrade}'s defaults: preset seesr, seed 0, one pair per image, 512 crops. */
    public static Builder builder(String hrDir, String output) {
        return new Builder(hrDir, output);
    }

    Path hrFolder() {
        return LocalPaths.of(hrDir, "HR folder");
    }

    Path outputFolder() {
        return LocalPaths.of(output, "output folder");
    }

    /** The single-process routine of {@code xpsr degrade} with these settings. */
    TrainingSetWriter writer() {
        return new TrainingSetWriter(maker(preset, cropSize, minPixels, minFileBytes, hflip),
                new TrainingSetLayout(outputFolder(), datasetIndex, count, seed),
                ImageFiles.ReadOptions.DEFAULTS.withMaxPixels(maxPixels));
    }

    private static TrainingPairMaker maker(String preset, int cropSize, long minPixels, long minFileBytes,
                                           boolean hflip) {
        return new TrainingPairMaker(DegradationPreset.named(Objects.requireNonNull(preset, "preset")),
                new TrainingPairMaker.Options(cropSize, minPixels, minFileBytes, hflip));
    }

    /** Builds {@link DegradeSettings}; each setter is the {@code xpsr degrade} option of the same name. */
    public static final class Builder {
        private final String hrDir;
        private final String output;
        private String preset = DegradationPreset.DEFAULT;
        private long seed;
        private int count = 1;
        private Integer datasetIndex;
        private int cropSize = TrainingPairMaker.Options.DEFAULTS.cropSize();
        private long minPixels = TrainingPairMaker.Options.DEFAULTS.minPixels();
        private long minFileBytes = TrainingPairMaker.Options.DEFAULTS.minFileBytes();
        private boolean hflip = TrainingPairMaker.Options.DEFAULTS.hflip();
        private long maxPixels = ImageFiles.DEFAULT_MAX_PIXELS;
        private int threads;
        private int partitions;

        private Builder(String hrDir, String output) {
            this.hrDir = hrDir;
            this.output = output;
        }

        public Builder preset(String v) {
            preset = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        public Builder count(int v) {
            count = v;
            return this;
        }

        public Builder datasetIndex(Integer v) {
            datasetIndex = v;
            return this;
        }

        public Builder cropSize(int v) {
            cropSize = v;
            return this;
        }

        public Builder minPixels(long v) {
            minPixels = v;
            return this;
        }

        public Builder minFileBytes(long v) {
            minFileBytes = v;
            return this;
        }

        public Builder hflip(boolean v) {
            hflip = v;
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

        public Builder partitions(int v) {
            partitions = v;
            return this;
        }

        public DegradeSettings build() {
            return new DegradeSettings(hrDir, output, preset, seed, count, datasetIndex, cropSize, minPixels,
                    minFileBytes, hflip, maxPixels, threads, partitions);
        }
    }
}
