package dev.xpsr.spark;

import dev.xpsr.baseline.PilBicubicUpscaler;
import dev.xpsr.degrade.TrainingPairMaker;
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
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * A Spark job against the single-process routine of its command on the same images, in one process: the
 * command's way (the driver's cores) and the Spark job (the cluster's task slots; in local mode the same cores),
 * alternating for a number of rounds, each timed by wall clock; the first round also pays the JIT's and the
 * natives' warm-up, so the medians are reported. Images are copies or crops of a folder of photos, repeated under
 * new names up to the count asked for.
 */
public final class SparkThroughput {
    private SparkThroughput() {
    }

    /**
     * Median wall times of the rounds of one comparison.
     *
     * @param rounds         how many times each side ran, alternating, the single process first
     * @param resumedSeconds the Spark job again over its own finished output (degrade: every pair exists, so this
     *                       is the job's cost without the images' work), NaN when not measured
     */
    public record Measurement(String subject, int images, int rounds, double singleSeconds, double sparkSeconds,
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
     * the job again over its finished output; on copies of the photos that make pairs (at least 100 KiB and 384²).
     */
    public static Measurement degrade(SparkSession spark, Path photos, Path work, int images, int rounds,
                                      int workers, int cropSize) throws IOException {
        Path hr = Files.createDirectories(work.resolve("hr"));
        List<Path> sources = new ArrayList<>();
        TrainingPairMaker.Options usable = TrainingPairMaker.Options.DEFAULTS;
        for (Path p : photoFiles(photos)) {
            RgbImage img = ImageFiles.read(p);
            if (Files.size(p) >= usable.minFileBytes() && (long) img.width() * img.height() >= usable.minPixels()) {
                sources.add(p);
            }
        }
        for (int i = 0; i < images; i++) {
            Path photo = sources.get(i % sources.size());
            Files.copy(photo, hr.resolve(i + "_" + photo.getFileName()));
        }
        double[] single = new double[rounds];
        double[] onCluster = new double[rounds];
        double[] resumed = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            DegradeSettings one = DegradeSettings.builder(hr.toString(), work.resolve("single" + r).toString())
                    .cropSize(cropSize).threads(1).build();
            single[r] = timed(() -> processOnThreads(one.writer(), hr, workers));
            DegradeSettings many = DegradeSettings.builder(hr.toString(), work.resolve("spark" + r).toString())
                    .cropSize(cropSize).threads(1).build();
            onCluster[r] = timed(() -> SparkDegrade.run(spark, many));
            resumed[r] = timed(() -> SparkDegrade.run(spark, many));
        }
        return new Measurement("degrade", images, rounds, median(single), median(onCluster), median(resumed));
    }

    /**
     * {@code xpsr eval}'s routine on the calling thread (the command scores one image at a time), then the eval job,
     * each image on one ATen thread on both sides, on {@code images} pairs of {@code side}² HR crops and their
     * Pillow bicubic ×4 round trips, with the metrics {@code metrics}.
     */
    public static Measurement eval(SparkSession spark, Path photos, Path work, int images, int rounds, int side,
                                   List<String> metrics) throws IOException {
        Path hr = Files.createDirectories(work.resolve("hr"));
        Path sr = Files.createDirectories(work.resolve("sr"));
        List<Path> sources = photoFiles(photos);
        PilBicubicUpscaler bicubic = new PilBicubicUpscaler(4);
        for (int i = 0, made = 0; made < images; i++) {
            if (i >= sources.size() && made == 0) {
                throw new IOException("no photo in " + photos + " is at least " + side + "x" + side);
            }
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
        double[] single = new double[rounds];
        double[] onCluster = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            single[r] = timed(() -> {
                NativeStartup.ensureStarted();
                ThreadCount.setForCurrentThread(1);
                FolderEvaluation evaluation = FolderEvaluation.match(hr, sr, null, settings.resize(),
                        settings.readOptions());
                evaluation.report(selection, spec.settings("cpu"), evaluation.inProcess(new QualityEvaluator(
                        selection.metrics(), selection.distributionMetrics(), spec.batch()), name -> { }));
            });
            onCluster[r] = timed(() -> SparkEval.run(spark, settings));
        }
        return new Measurement("eval", images, rounds, median(single), median(onCluster), Double.NaN);
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
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
