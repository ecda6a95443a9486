package dev.xpsr.cli;

import dev.xpsr.degrade.DegradationPreset;
import dev.xpsr.degrade.TrainingPairMaker;
import dev.xpsr.degrade.TrainingSetLayout;
import dev.xpsr.degrade.TrainingSetWriter;
import dev.xpsr.degrade.TrainingSetWriter.Outcome;
import dev.xpsr.degrade.TrainingSetWriter.Status;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.torch.NativeStartup;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code xpsr degrade}: LR/HR training pairs from a folder of HR photos, as XPSR's {@code utils_data/make_train.py}
 * makes them ({@link TrainingPairMaker}, {@link TrainingSetWriter}), with a progress bar and a summary.
 *
 * <p>Images run in parallel on {@code --workers} threads; each pair's randomness comes from its own seed
 * ({@link TrainingSetLayout#sampleSeed}), so the output does not depend on the number of workers or on the order
 * in which they finish. It is bit-identical for the same {@code --threads}; another ATen thread count splits some
 * float reductions differently and can move a handful of 8-bit values by one level. ATen's intra-op pool is
 * shared by all workers; by default there is one worker per core (at most 8) and workers × threads equals the
 * core count — whole images in parallel use the cores better than intra-op threads on one image (measured on
 * 2 cores: 2 workers × 1 thread took 30% less CPU per pair than 1 × 2). Exit code 0 when every image was either
 * used or skipped for being too small, 1 when any failed (each failure is listed), 2 for bad arguments.
 */
@Command(name = "degrade", mixinStandardHelpOptions = true, sortOptions = false,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every image was used, or skipped as too small", "1:at least one image failed (listed)",
                "2:invalid options"},
        description = {"Make LR/HR training pairs with the Real-ESRGAN two-stage degradation (XPSR's make_train.py).",
                "Per image: skip small files/images, random flip, reflect-pad or random crop; the HR is the crop "
                        + "(USM-sharpened unless the preset is xpsr-params), the LR is degraded from it and "
                        + "bicubic-upsampled back to the crop size; both are written as 8-bit PNGs.",
                "Resumable: pairs whose HR and LR both exist are kept; every file is written atomically."})
public final class DegradeCommand implements Callable<Integer> {
    private static final int LISTED_PER_REASON = 10;

    /** The preset names, for {@code ${COMPLETION-CANDIDATES}}. */
    static final class PresetNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return DegradationPreset.names().iterator();
        }
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "HR_DIR",
            description = "Folder of HR photos, searched recursively (png, jpg, jpeg, bmp, tif, tiff); "
                    + "sub-folders are kept in the output names.")
    Path hrDir;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT",
            description = "Output folder: OUT/HR/<name>.png and OUT/LR/<name>.png (see --dataset-index).")
    Path output;

    @Option(names = "--preset", defaultValue = DegradationPreset.DEFAULT, completionCandidates = PresetNames.class,
            description = "Degradation preset: ${COMPLETION-CANDIDATES}; seesr is what XPSR's training data used "
                    + "(default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--seed", defaultValue = "0",
            description = "Base seed; each pair's seed mixes it with the image name and pair number "
                    + "(default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--count", defaultValue = "1",
            description = "Pairs per HR image, each with its own seed; named <name>_<k>.png when above 1 "
                    + "(default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--dataset-index", paramLabel = "K",
            description = "Write XPSR's layout instead: pair k of each image goes to OUT/dataset_<K+k>/{HR,LR}/"
                    + "<name>.png, the trainset/dataset_<n> folders make_train.py writes and train.py reads.")
    Integer datasetIndex;

    @Option(names = "--workers", description = "Images degraded in parallel (default: the number of cores, at "
            + "most 8).")
    Integer workers;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--crop-size", defaultValue = "512",
            description = "Side of the square HR crop and of the upsampled LR (default: ${DEFAULT-VALUE}).")
    int cropSize;

    @Option(names = "--min-pixels", defaultValue = "147456",
            description = "Skip images with fewer pixels, width x height; 147456 = 384^2 (default: ${DEFAULT-VALUE}).")
    long minPixels;

    @Option(names = "--min-file-kb", defaultValue = "100",
            description = "Skip files smaller than this many KiB (default: ${DEFAULT-VALUE}).")
    long minFileKb;

    @Option(names = "--no-flip", description = "Turn off the random horizontal flip.")
    boolean noFlip;

    @Option(names = "--max-pixels", defaultValue = "" + ImageFiles.DEFAULT_MAX_PIXELS,
            description = "Refuse (as failed) images with more pixels than this, before decoding "
                    + "(default: ${DEFAULT-VALUE}).")
    long maxPixels;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int cores = Runtime.getRuntime().availableProcessors();
        int nWorkers = workers == null ? Math.min(cores, 8) : workers;
        int nThreads = threads.resolve(nWorkers);
        TrainingSetWriter writer = writer(nWorkers, nThreads);
        List<TrainingSetWriter.Source> sources = TrainingSetWriter.findSources(hrDir, writer.layout());
        if (sources.isEmpty()) {
            err.printf("no image files (%s) under %s%n", String.join(", ", TrainingSetWriter.EXTENSIONS.stream()
                    .sorted().toList()), hrDir);
            return 1;
        }
        if ((long) nWorkers * nThreads > cores) {
            err.printf("note: %d workers x %d ATen threads exceed the %d cores%n", nWorkers, nThreads, cores);
        }
        NativeStartup.ensureStarted(nThreads);
        Files.createDirectories(output);
        out.printf("degrading %d images x %d pairs with preset %s (seed %d) on %d workers x %d ATen threads%n",
                sources.size(), count, preset, seed, nWorkers, nThreads);
        out.flush();

        long start = System.nanoTime();
        List<Outcome> outcomes = run(writer, sources, nWorkers, err);
        double seconds = (System.nanoTime() - start) / 1e9;
        return summarize(outcomes, seconds, nWorkers * nThreads, out);
    }

    private TrainingSetWriter writer(int nWorkers, int nThreads) {
        CommandLine cl = spec.commandLine();
        if (!Files.isDirectory(hrDir)) {
            throw new CommandLine.ParameterException(cl, "HR_DIR " + hrDir + " is not a folder");
        }
        if (count < 1 || nWorkers < 1 || minPixels < 0 || minFileKb < 0 || maxPixels < 1) {
            throw new CommandLine.ParameterException(cl, "--count, --workers and --max-pixels must be "
                    + "at least 1, --min-pixels and --min-file-kb at least 0");
        }
        if (datasetIndex != null && datasetIndex < 0) {
            throw new CommandLine.ParameterException(cl, "--dataset-index must be at least 0");
        }
        try {
            DegradationPreset p = DegradationPreset.named(preset);
            TrainingPairMaker maker = new TrainingPairMaker(p, new TrainingPairMaker.Options(cropSize, minPixels,
                    Math.multiplyExact(minFileKb, 1024L), !noFlip));
            return new TrainingSetWriter(maker, new TrainingSetLayout(output, datasetIndex, count, seed),
                    ImageFiles.ReadOptions.DEFAULTS.withMaxPixels(maxPixels));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, e.getMessage());
        }
    }

    /** Runs every image on the pool, stepping the bar by pairs as images finish. */
    private List<Outcome> run(TrainingSetWriter writer, List<TrainingSetWriter.Source> sources, int nWorkers,
                              PrintWriter err) throws InterruptedException {
        AtomicInteger threadNumber = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(nWorkers, r -> {
            Thread t = new Thread(r, "degrade-" + threadNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        List<Outcome> outcomes = new ArrayList<>(sources.size());
        DelegatingProgressBarConsumer console = new DelegatingProgressBarConsumer(line -> {
            err.print('\r' + line);
            err.flush();
        }, 100);
        long pairs = (long) sources.size() * count;
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName("pairs").setInitialMax(pairs)
                .setStyle(ProgressBarStyle.ASCII).setConsumer(console).setUpdateIntervalMillis(500).build()) {
            CompletionService<Outcome> done = new ExecutorCompletionService<>(pool);
            Map<Future<Outcome>, TrainingSetWriter.Source> pending = new LinkedHashMap<>();
            for (TrainingSetWriter.Source s : sources) {
                pending.put(done.submit(() -> writer.process(s)), s);
            }
            int failed = 0;
            int skipped = 0;
            for (int i = 0; i < sources.size(); i++) {
                Future<Outcome> f = done.take();
                Outcome o = outcome(f, pending.get(f));
                outcomes.add(o);
                failed += o.status() == Status.FAILED ? 1 : 0;
                skipped += o.status() == Status.SKIPPED ? 1 : 0;
                bar.stepBy(count);
                bar.setExtraMessage(skipped + " skipped, " + failed + " failed");
            }
        } finally {
            pool.shutdownNow();
            err.println();
            err.flush();
        }
        return outcomes;
    }

    /** A worker's outcome; an error that escaped it (out of memory, a native crash report) fails that image only. */
    private static Outcome outcome(Future<Outcome> f, TrainingSetWriter.Source source) throws InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            return new Outcome(source, Status.FAILED, 0, 0, c.getClass().getSimpleName()
                    + (c.getMessage() == null ? "" : ": " + c.getMessage()));
        }
    }

    private int summarize(List<Outcome> outcomes, double seconds, int cpus, PrintWriter out) {
        int written = 0;
        int existing = 0;
        Map<String, List<Outcome>> skipped = new LinkedHashMap<>();
        List<Outcome> failed = new ArrayList<>();
        for (Outcome o : outcomes) {
            written += o.written();
            existing += o.existing();
            switch (o.status()) {
                case SKIPPED -> skipped.computeIfAbsent(reasonKey(o.detail()), k -> new ArrayList<>()).add(o);
                case FAILED -> failed.add(o);
                case DONE -> { }
            }
        }
        double rate = seconds > 0 ? written / seconds : 0;
        out.printf("pairs written: %d in %.1f s (%.2f pairs/s, %.3f pairs/s per core)%n", written, seconds, rate,
                rate / cpus);
        out.printf("pairs already present (kept): %d%n", existing);
        out.printf("images skipped: %d%n", skipped.values().stream().mapToInt(List::size).sum());
        skipped.forEach((reason, list) -> {
            out.printf("  %s: %d%n", reason, list.size());
            list.stream().limit(LISTED_PER_REASON).forEach(o -> out.printf("    %s%n", o.source().file()));
            if (list.size() > LISTED_PER_REASON) {
                out.printf("    ... and %d more%n", list.size() - LISTED_PER_REASON);
            }
        });
        out.printf("images failed: %d%n", failed.size());
        failed.forEach(o -> out.printf("  %s: %s%n", o.source().file(), o.detail()));
        out.flush();
        return failed.isEmpty() ? 0 : 1;
    }

    /** The reason without the per-image details in parentheses, to group skips. */
    private static String reasonKey(String detail) {
        int paren = detail.indexOf(" (");
        return paren < 0 ? detail : detail.substring(0, paren);
    }
}
