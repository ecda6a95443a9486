package dev.xpsr.spark;

import dev.xpsr.degrade.TrainingSetWriter;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The degrade job: {@code xpsr degrade} over an HR folder with the images spread over the executors. The driver
 * lists the HR files as the command does ({@link TrainingSetWriter#findSources}); each executor task makes its
 * images' pairs with the command's per-image routine ({@link DegradeTask}). Each pair's seed depends on the base
 * seed, the image name and the pair number only, so the output is the command's, byte for byte, however the images
 * are partitioned and whichever task attempt writes them; pairs already complete are kept (resumable), every file
 * is written atomically.
 */
public final class SparkDegrade {
    private SparkDegrade() {
    }

    /**
     * What one run did.
     *
     * @param outcomes one per HR file, in the order of the listing
     * @param seconds  wall time of the Spark job
     */
    public record Summary(List<TrainingSetWriter.Outcome> outcomes, double seconds) {
        public int written() {
            return outcomes.stream().mapToInt(TrainingSetWriter.Outcome::written).sum();
        }

        public int existing() {
            return outcomes.stream().mapToInt(TrainingSetWriter.Outcome::existing).sum();
        }

        public long count(TrainingSetWriter.Status status) {
            return outcomes.stream().filter(o -> o.status() == status).count();
        }
    }

    /**
     * Runs the job.
     *
     * @throws IOException              when the HR folder cannot be listed or the output folder made
     * @throws IllegalArgumentException when the HR folder holds no image, or a folder is not local
     */
    public static Summary run(SparkSession spark, DegradeSettings settings) throws IOException {
        Path hr = settings.hrFolder();
        if (!Files.isDirectory(hr)) {
            throw new IllegalArgumentException("HR folder " + hr + " is not a folder");
        }
        TrainingSetWriter writer = settings.writer();
        List<DegradeTask.Item> items = TrainingSetWriter.findSources(hr, writer.layout()).stream()
                .map(DegradeTask.Item::of).toList();
        if (items.isEmpty()) {
            throw new IllegalArgumentException("no image files (" + String.join(", ",
                    TrainingSetWriter.EXTENSIONS.stream().sorted().toList()) + ") under " + hr);
        }
        Files.createDirectories(settings.outputFolder());
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        jsc.setJobDescription("xpsr degrade: " + items.size() + " images x " + settings.count() + " pairs");
        long start = System.nanoTime();
        List<DegradeTask.Outcome> outcomes = jsc.parallelize(items, Partitions.count(jsc, settings.partitions(),
                items.size())).mapPartitions(new DegradeTask(settings)).collect();
        double seconds = (System.nanoTime() - start) / 1e9;
        jsc.setJobDescription(null);
        return new Summary(outcomes.stream().map(DegradeTask.Outcome::asWriterOutcome).toList(), seconds);
    }
}
