package dev.xpsr.cli;

import dev.xpsr.api.Method;
import dev.xpsr.api.Methods;
import dev.xpsr.api.Upscaler;
import dev.xpsr.degrade.DegradationPreset;
import dev.xpsr.eval.DegradedSample;
import dev.xpsr.eval.MetricSelection;
import dev.xpsr.eval.QualityReportWriter;
import dev.xpsr.metrics.MetricRegistry;
import dev.xpsr.torch.Placement;
import dev.xpsr.util.BundledData;
import dev.xpsr.workflow.QualityBenchmark;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code xpsr benchmark-quality}: a reproducible comparison of restoration methods on real photos. Each photo's
 * centre crop is the ground truth; its LR comes from the Real-ESRGAN degradation with a fixed seed
 * ({@link DegradedSample}); every available method restores it; the outputs are scored as {@code xpsr eval}
 * scores them and drawn as a comparison grid and one bar chart per metric.
 */
@Command(name = "benchmark-quality", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Compare restoration methods on real photos degraded with a fixed seed: report "
                + "(Markdown, CSV, JSON), comparison grid and one bar chart per metric.",
                "Methods: bicubic-pil, bicubic-matlab, rdn-slim, rdn-medium, realesrgan-x4plus (when its files are "
                        + "present), xpsr (with --xpsr)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every photo was restored and scored by every method", "1:a photo, a method or a "
                + "metric failed (listed; the rest is reported)", "2:invalid options"})
public final class BenchmarkQualityCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--photos", paramLabel = "DIR",
            description = "Folder of real photos, used in name order (default: the repository's sample photos, "
                    + "fixtures/data/images/hr).")
    Path photos;

    @Option(names = "--count", defaultValue = "4", description = "Photos used; photos smaller than the crop are "
            + "skipped (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--crop", defaultValue = "256", paramLabel = "SIZE",
            description = "Side of the HR centre crop; the LR is SIZE/4 (default: ${DEFAULT-VALUE}).")
    int crop;

    @Option(names = "--seed", defaultValue = "0", description = "Base seed of the degradation (default: "
            + "${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--preset", defaultValue = DegradationPreset.DEFAULT, completionCandidates =
            DegradeCommand.PresetNames.class,
            description = "Degradation preset: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--methods", split = ",", paramLabel = "NAME",
            description = "Only these methods, comma-separated (default: every available one).")
    List<String> methodNames;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR",
            description = "Output folder: report.{md,csv,json}, grid.png, chart-<metric>.png, images/<set>/<photo>.png.")
    Path out;

    @Mixin
    BaselineModelsOption baselineModels;

    @Option(names = "--grid-cell", paramLabel = "PX",
            description = "Side of the window of each output shown in the grid (default: the crop, at most 192).")
    Integer gridCell;

    @Mixin
    XpsrModelOptions xpsrModels;

    @Option(names = "--steps", defaultValue = "20", description = "With --xpsr: denoising steps (default: "
            + "${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--process-size", defaultValue = "512",
            description = "With --xpsr: shorter side raised to this before diffusion (default: ${DEFAULT-VALUE}).")
    int processSize;

    @Mixin
    ThreadsOption threads;

    @Mixin
    MetricOptions metricOptions;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        threads.start(1);
        QualityBenchmark.Settings settings = settings();
        MetricRegistry.Settings metricSettings = metricOptions.settings();
        MetricSelection selection = metricOptions.select(MetricRegistry.standard(metricSettings));
        QualityBenchmark benchmark = new QualityBenchmark(settings, this::open,
                b -> b.steps(steps).processSize(processSize), selection, metricOptions.batch());
        QualityBenchmark.Outcome outcome;
        try (ProgressBars progress = new ProgressBars(err)) {
            outcome = benchmark.run(out, metricSettings.describe(), progress);
        }
        if (outcome.samples().isEmpty()) {
            err.println("benchmark-quality: no photo of at least " + crop + "x" + crop + " in " + settings.photos());
            return 1;
        }
        stdout.print(QualityReportWriter.markdown(outcome.report()));
        stdout.flush();
        err.println("written to " + out + ": report.{md,csv,json}, grid.png, chart-*.png, images/");
        return outcome.complete() ? 0 : 1;
    }

    /** The comparison's settings; an invalid value, unknown method or missing file is an option error. */
    private QualityBenchmark.Settings settings() {
        CommandLine cl = spec.commandLine();
        try {
            DegradationPreset p = DegradationPreset.named(preset);
            if (p.scale() != 4) {
                throw new IllegalArgumentException("preset " + p.name() + " degrades x" + p.scale()
                        + "; the methods here restore x4");
            }
            if (steps < 1) {
                throw new IllegalArgumentException("--steps must be at least 1, got " + steps);
            }
            Path dir = photos == null ? BundledData.photos() : photos;
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException("--photos: " + dir + " is not a folder" + (photos == null
                        ? " (the repository's fixtures/data was not found from the jar or the working folder; set "
                        + BundledData.VARIABLE + " or pass --photos)" : ""));
            }
            return new QualityBenchmark.Settings(dir, count, crop, seed, p, chosenMethods(),
                    gridCell != null ? gridCell : Math.min(crop, 192));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, e.getMessage().startsWith("--") ? e.getMessage()
                    : "--count " + count + ", --crop " + crop + ", --preset " + preset + ": " + e.getMessage());
        }
    }

    /** The methods asked for (or every one that can run); an unknown or unavailable name is an error. */
    private List<Method> chosenMethods() {
        if (methodNames == null || methodNames.isEmpty()) {
            return Arrays.stream(Method.values()).filter(this::runnable).toList();
        }
        List<Method> chosen = new ArrayList<>();
        for (String n : methodNames) {
            Method m;
            try {
                m = Method.parse(n);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--methods: no method '" + n.trim()
                        + "'; known: " + String.join(", ", Arrays.stream(Method.values()).map(Method::id).toList()));
            }
            if (!runnable(m)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--methods: " + m.id() + " needs "
                        + (m == Method.XPSR ? "--xpsr (XPSR's controlnet/ and unet/) and --model (SD 1.5)"
                        : String.join(" and ", Methods.missingFiles(m, baselineModels.folder()).stream()
                        .map(Path::toString).toList()) + ". " + Methods.source(m)));
            }
            chosen.add(m);
        }
        return chosen;
    }

    private boolean runnable(Method m) {
        return m == Method.XPSR ? xpsrModels.xpsr != null : Methods.missingFiles(m, baselineModels.folder()).isEmpty();
    }

    private Upscaler open(Method m) throws IOException {
        try (DownloadProgress downloads = new DownloadProgress(System.err)) {
            Upscaler.Builder b = Upscaler.builder(m).baselineModels(baselineModels.folder());
            return (m == Method.XPSR ? xpsrModels.configure(b, Placement.parse(metricOptions.device, "fp32"), downloads)
                    : b).build();
        }
    }

    /** A bar for the restorations, then one for the scoring, on the error stream. */
    private static final class ProgressBars implements QualityBenchmark.Listener, AutoCloseable {
        private final PrintWriter err;
        private ConsoleProgress bar;

        ProgressBars(PrintWriter err) {
            this.err = err;
        }

        @Override
        public void restoring(int total) {
            start("restore", total);
        }

        @Override
        public void restored(Method method, String photo) {
            bar.step(method.id() + " " + photo);
        }

        @Override
        public void scoring(int total) {
            start("score", total);
        }

        @Override
        public void scored(String set, String photo) {
            bar.step(set + " " + photo);
        }

        private void start(String task, int total) {
            close();
            bar = new ConsoleProgress(err, task, total);
        }

        @Override
        public void close() {
            if (bar != null) {
                bar.close();
                bar = null;
            }
        }
    }
}
