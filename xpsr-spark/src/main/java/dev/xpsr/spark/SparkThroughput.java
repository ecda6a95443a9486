package dev.xpsr.spark;

import dev.xpsr.baseline.PilBicubicUpscaler;
import dev.xpsr.degrade.TrainingSetWriter;
import dev.xpsr.eval.FolderEvaluation;
import dev.xpsr.eval.MetricSelection;
import dev.xpsr.eval.QualityEvaluator;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import dev.xpsr.pipeline.PilResize;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.ThreadCount;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * A Spark job against the single-process routine of its command on the same images, in one process: the
 * command's way first (the driver's cores), then the Spark job (the cluster's task slots; in local mode the same
 * cores), both timed by wall clock. Images are copies or crops of a folder of photos, repeated under new names up
 * to the count asked for.
 */
public final class SparkThroughput {
    private SparkThroughput() {
    }

    /**
     * Wall times of one comparison.
     *
     * @param resumedSeconds the Spark job again over its own finished output (degrade: every pair exists, so this
     *                       is the job's cost without the images' work), NaN when not measured
     */
    public record Measurement(String subject, int images, double singleSeconds, double sparkSeconds,
                              double resumedSeconds) {
        public double singleImagesPerSecond() {
            return images / singleSeconds;
        }

        public double sparkImagesPerSecond() {
            return images / sparkSeconds;
        }

        /** Spark's extra wall time per image over the single process, negative when Spark was faster. */
        public double overheadPerImage() {
            return (sparkSeconds - singleSeconds) / images;
        }
    }

    /**
     * {@code xpsr degrade}'s routine on {@code workers} threads of one ATen thread each (what
     * {@code xpsr degrade --workers W --threads 1} runs), then the degrade job with one ATen thread per task, then
     * the job again over its finished output.
     */
    public static Measurement degrade(SparkSession spark, Path photos, Path work, int images, int workers,
                                      int cropSize) throws IOException {
        Path hr = Files.createDirectories(work.resolve("hr"));
        List<Path> sources = photoFiles(photos);
        for (int i = 0; i < images; i++) {
            Path photo = sources.get(i % sources.size());
            Files.copy(photo, hr.resolve(i + "_" + photo.getFileName()));
        }
        DegradeSettings.Builder b = DegradeSettings.builder(hr.toString(), work.resolve("single").toString())
                .cropSize(cropSize).threads(1);
        double single = timed(() -> processOnThreads(b.build().writer(), hr, workers));
        DegradeSettings onSpark = DegradeSettings.builder(hr.toString(), work.resolve("spark").toString())
                .cropSize(cropSize).threads(1).build();
        double onCluster = timed(() -> SparkDegrade.run(spark, onSpark));
        double resumed = timed(() -> SparkDegrade.run(spark, onSpark));
        return new Measurement("degrade", images, single, onCluster, resumed);
    }

    /**
     * {@code xpsr eval}'s routine on the calling thread (as the command scores, with the process's ATen threads),
     * then the eval job with one ATen thread per task, on {@code images} pairs of {@code side}² HR crops and their
     * Pillow bicubic ×4 round trips, with the metrics {@code metrics}.
     */
    public static Measurement eval(SparkSession spark, Path photos, Path work, int images, int side,
                                   List<String> metrics) throws IOException {
        Path hr = Files.createDirectories(work.resolve("hr"));
        Path sr = Files.createDirectories(work.resolve("sr"));
        List<Path> sources = photoFiles(photos);
        PilBicubicUpscaler bicubic = new PilBicubicUpscaler(4);
        for (int i = 0, made = 0; made < images; i++) {
            RgbImage photo = ImageFiles.read(sources.get(i % sources.size()));
            if (photo.width() < side || photo.height() < side) {
                continue;
            }
            RgbImage crop = photo.crop((photo.width() - side) / 2, (photo.height() - side) / 2, side, side);
            ImageFiles.writePng(hr.resolve(made + ".png"), crop);
            ImageFiles.writePng(sr.resolve(made + ".png"), bicubic.upscale(PilResize.resize(crop, side / 4,
                    side / 4)));
            made++;
        }
        EvalSettings settings = EvalSettings.builder(hr.toString(), sr.toString()).metrics(metrics).threads(1)
                .build();
        MetricSpec spec = settings.metrics();
        MetricSelection selection = spec.select("cpu");
        double single = timed(() -> {
            NativeStartup.ensureStarted();
            FolderEvaluation evaluation = FolderEvaluation.match(hr, sr, null, settings.resize(),
                    settings.readOptions());
            evaluation.report(selection, spec.settings("cpu"), evaluation.inProcess(new QualityEvaluator(
                    selection.metrics(), selection.distributionMetrics(), spec.batch()), name -> { }));
        });
        double onCluster = timed(() -> SparkEval.run(spark, settings));
        return new Measurement("eval", images, single, onCluster, Double.NaN);
    }

    private static List<Path> photoFiles(Path photos) throws IOException {
        try (Stream<Path> s = Files.list(photos)) {
            List<Path> files = s.filter(ImageFiles::hasImageName).sorted().toList();
            if (files.isEmpty()) {
                throw new IOException("no photos in " + photos);
            }
            return files;
        }
    }

    private static void processOnThreads(TrainingSetWriter writer, Path hr, int workers) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            List<Future<TrainingSetWriter.Outcome>> done = new ArrayList<>();
            for (TrainingSetWriter.Source s : TrainingSetWriter.findSources(hr, writer.layout())) {
                done.add(pool.submit(() -> {
                    ThreadCount.setForCurrentThread(1);
                    return writer.process(s);
                }));
            }
            for (Future<TrainingSetWriter.Outcome> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Something timed. */
    @FunctionalInterface
    private interface Work {
        void run() throws Exception;
    }

    private static double timed(Work work) throws IOException {
        long start = System.nanoTime();
        try {
            work.run();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
        return (System.nanoTime() - start) / 1e9;
    }
}
