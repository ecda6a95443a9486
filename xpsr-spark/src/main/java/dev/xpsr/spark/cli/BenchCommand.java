package dev.xpsr.spark.cli;

import dev.xpsr.spark.SparkThroughput;
import dev.xpsr.util.BundledData;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code xpsr-spark bench}: a job's throughput on Spark against its command's single-process routine on the same
 * images ({@link SparkThroughput}), and Spark's overhead per image.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Time the degrade or eval job against its single-process routine on the same images.")
final class BenchCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--subject", required = true, description = "degrade or eval.")
    String subject;

    @Option(names = "--images", defaultValue = "16", description = "Images (default: ${DEFAULT-VALUE}).")
    int images;

    @Option(names = "--photos", paramLabel = "DIR", description = "Photos to copy or crop (default: the repository's "
            + "fixtures/data/images/hr).")
    Path photos;

    @Option(names = "--work", paramLabel = "DIR", description = "Scratch folder, made empty (default: a temporary "
            + "folder).")
    Path work;

    @Option(names = "--rounds", defaultValue = "3",
            description = "Runs of each side, alternating; medians are reported (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--workers", defaultValue = "2",
            description = "degrade: threads of the single-process run (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--size", defaultValue = "512",
            description = "degrade: crop size; eval: side of the HR crops (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--metrics", split = ",", defaultValue = "psnr,ssim,niqe,brisque",
            description = "eval: metrics (default: ${DEFAULT-VALUE}).")
    List<String> metrics;

    @Override
    public Integer call() throws IOException {
        if (images < 1 || rounds < 1 || workers < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--images, --rounds and --workers must be "
                    + "at least 1");
        }
        Path dir = work != null ? Files.createDirectories(work) : Files.createTempDirectory("xpsr-spark-bench");
        Path source = photos != null ? photos : BundledData.photos();
        long start = System.nanoTime();
        SparkSession spark = XpsrSpark.session("bench");
        double session = (System.nanoTime() - start) / 1e9;
        SparkThroughput.Measurement m = switch (subject) {
            case "degrade" -> SparkThroughput.degrade(spark, source, dir, images, rounds, workers, size);
            case "eval" -> SparkThroughput.eval(spark, source, dir, images, rounds, size, metrics);
            default -> throw new CommandLine.ParameterException(spec.commandLine(), "--subject must be degrade or "
                    + "eval, got " + subject);
        };
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%s, %d images, median of %d rounds; Spark master %s, default parallelism %d, %d cores; session "
                        + "start %.1f s%n", m.subject(), m.images(), m.rounds(), spark.sparkContext().master(),
                spark.sparkContext().defaultParallelism(), Runtime.getRuntime().availableProcessors(), session);
        out.printf("single process: %.1f s, %.3f images/s%n", m.singleSeconds(), m.singleImagesPerSecond());
        out.printf("Spark job:      %.1f s, %.3f images/s (ratio %.2f)%n", m.sparkSeconds(), m.sparkImagesPerSecond(),
                m.sparkImagesPerSecond() / m.singleImagesPerSecond());
        out.printf("Spark overhead: %+.3f s per image%n", m.overheadPerImage());
        if (!Double.isNaN(m.resumedSeconds())) {
            out.printf("Spark job over its finished output: %.2f s, %.4f s per image%n", m.resumedSeconds(),
                    m.resumedSeconds() / m.images());
        }
        out.flush();
        return 0;
    }
}
