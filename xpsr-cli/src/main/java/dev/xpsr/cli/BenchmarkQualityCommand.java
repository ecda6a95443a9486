package dev.xpsr.cli;

import dev.xpsr.baseline.Upscaler;
import dev.xpsr.degrade.DegradationPreset;
import dev.xpsr.degrade.RealEsrganDegradation;
import dev.xpsr.eval.DegradedSample;
import dev.xpsr.eval.FolderPairs;
import dev.xpsr.eval.QualityEvaluator;
import dev.xpsr.eval.QualityReport;
import dev.xpsr.eval.QualityReport.Problem;
import dev.xpsr.eval.QualityReport.Section;
import dev.xpsr.eval.QualityReportWriter;
import dev.xpsr.hub.HubClient;
import dev.xpsr.hub.HubSettings;
import dev.xpsr.hub.ModelLocator;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import dev.xpsr.metrics.MetricRegistry;
import dev.xpsr.pipeline.UpscaleOptions;
import dev.xpsr.pipeline.XpsrModels;
import dev.xpsr.pipeline.XpsrPipeline;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Placement;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

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
    private static final String HR = "hr";

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

    @Option(names = "--models", paramLabel = "DIR",
            description = "Folder of the baseline networks (default: the repository's fixtures/data/models).")
    Path models;

    @Option(names = "--grid-cell", paramLabel = "PX",
            description = "Side of the window of each output shown in the grid (default: the crop, at most 192).")
    Integer gridCell;

    @Option(names = "--xpsr", paramLabel = "DIR", description = "XPSR's controlnet/ and unet/: adds the xpsr method.")
    Path xpsr;

    @Option(names = "--model", defaultValue = "stable-diffusion-v1-5/stable-diffusion-v1-5", paramLabel = "SD15",
            description = "With --xpsr: Stable Diffusion 1.5, a diffusers folder or a Hugging Face repo id "
                    + "(default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--variant", description = "With --xpsr: weight file variant to read, e.g. fp16.")
    String variant;

    @Option(names = "--steps", defaultValue = "20", description = "With --xpsr: denoising steps (default: "
            + "${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--process-size", defaultValue = "512",
            description = "With --xpsr: shorter side raised to this before diffusion (default: ${DEFAULT-VALUE}).")
    int processSize;

    @Option(names = "--threads", description = "ATen intra-op threads (default: all available cores).")
    Integer threads;

    @Mixin
    MetricOptions metricOptions;

    /** One method's outputs, by photo name. */
    private record Restored(BenchmarkMethods.Method method, Map<String, RgbImage> images, double seconds) {
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        DegradationPreset degradation = checkedPreset();
        NativeStartup.ensureStarted(threads == null ? Runtime.getRuntime().availableProcessors() : threads);
        List<BenchmarkMethods.Method> methods = chosenMethods();
        MetricRegistry.Settings settings = metricOptions.settings();
        MetricOptions.Selection selection = metricOptions.select(MetricRegistry.standard(settings));
        List<Problem> problems = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        List<DegradedSample> samples = samples(degradation, problems, skipped);
        if (samples.isEmpty()) {
            err.println("benchmark-quality: no photo of at least " + crop + "x" + crop + " in " + photoFolder());
            return 1;
        }
        Files.createDirectories(out);
        writeInputs(samples);
        List<Restored> restored = restore(methods, samples, problems, err);
        List<Section> sections = score(selection, samples, restored, problems, err);
        QualityReport report = new QualityReport("xpsr benchmark-quality",
                header(settings, degradation, samples, skipped, restored), selection.infos(),
                selection.distributionInfos(), selection.unavailable(), sections, problems);
        QualityReportWriter.write(report, QualityReportWriter.Files.at(out.resolve(ReportPaths.BASE)));
        int cell = gridCell != null ? gridCell : Math.min(crop, 192);
        BenchmarkFigures.grid(out.resolve("grid.png"), samples, restored.stream().map(r -> r.method().name())
                .toList(), restored.stream().map(Restored::images).toList(), cell);
        BenchmarkFigures.charts(out, report, HR);
        stdout.print(QualityReportWriter.markdown(report));
        stdout.flush();
        err.println("written to " + out + ": report.{md,csv,json}, grid.png, chart-*.png, images/");
        return problems.isEmpty() ? 0 : 1;
    }

    private DegradationPreset checkedPreset() {
        CommandLine cl = spec.commandLine();
        try {
            DegradationPreset p = DegradationPreset.named(preset);
            if (count < 1 || crop % p.scale() != 0 || crop < p.minimumSide() || steps < 1) {
                throw new CommandLine.ParameterException(cl, "--count and --steps must be at least 1 and --crop a "
                        + "multiple of " + p.scale() + " of at least " + p.minimumSide() + " for preset " + p.name()
                        + "; got --count " + count + ", --crop " + crop + ", --steps " + steps);
            }
            if (p.scale() != 4) {
                throw new CommandLine.ParameterException(cl, "preset " + p.name() + " degrades x" + p.scale()
                        + "; the methods here restore x4");
            }
            return p;
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, "--preset: " + e.getMessage());
        }
    }

    /** The methods asked for (or every available one), loaded; an unknown or unavailable name is an error. */
    private List<BenchmarkMethods.Method> chosenMethods() {
        List<BenchmarkMethods.Method> all = BenchmarkMethods.all(models == null ? BundledData.models() : models,
                xpsr == null ? null : this::loadXpsr);
        if (methodNames == null || methodNames.isEmpty()) {
            return all.stream().filter(m -> m.missing().isEmpty()).toList();
        }
        List<BenchmarkMethods.Method> chosen = new ArrayList<>();
        for (String n : methodNames) {
            String name = n.trim().toLowerCase(Locale.ROOT);
            BenchmarkMethods.Method m = all.stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow(
                    () -> new CommandLine.ParameterException(spec.commandLine(), "--methods: no method '" + n.trim()
                            + "'; known: " + String.join(", ", all.stream().map(BenchmarkMethods.Method::name)
                            .toList())));
            if (m.missing().isPresent()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--methods: " + name + " "
                        + m.missing().get());
            }
            chosen.add(m);
        }
        return chosen;
    }

    private Upscaler loadXpsr() throws IOException {
        Path sd15;
        try (DownloadProgress progress = new DownloadProgress(System.err)) {
            HubClient hub = HubClient.builder(HubSettings.fromSystem()).listener(progress).build();
            sd15 = ModelLocator.sd15(hub, variant).resolve(model);
        }
        Placement placement = Placement.parse(metricOptions.device, "fp32");
        XpsrModels loaded = XpsrModels.load(sd15, xpsr, variant).to(placement);
        return new XpsrUpscaler(new XpsrPipeline(loaded), UpscaleOptions.DEFAULTS.withSteps(steps)
                .withProcessSize(processSize));
    }

    private Path photoFolder() {
        return photos == null ? BundledData.photos() : photos;
    }

    /** The first {@code count} photos (by name) large enough for the crop, cropped and degraded. */
    private List<DegradedSample> samples(DegradationPreset p, List<Problem> problems, List<String> skipped)
            throws IOException {
        Path dir = photoFolder();
        if (!Files.isDirectory(dir)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--photos: " + dir + " is not a folder"
                    + (photos == null ? " (the repository's fixtures/data was not found from the jar or the working "
                    + "folder; set " + BundledData.VARIABLE + " or pass --photos)" : ""));
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(FolderPairs::isImageFile).sorted().toList();
        }
        RealEsrganDegradation degradation = new RealEsrganDegradation(p);
        List<DegradedSample> samples = new ArrayList<>();
        for (Path f : files) {
            if (samples.size() == count) {
                break;
            }
            String name = dir.relativize(f).toString().replaceFirst("\\.[^./\\\\]+$", "");
            try {
                RgbImage photo = ImageFiles.read(f);
                if (photo.width() < crop || photo.height() < crop) {
                    skipped.add(name + " (" + photo.width() + "x" + photo.height() + ")");
                    continue;
                }
                samples.add(DegradedSample.of(name, photo, crop, degradation, seed));
            } catch (IOException | RuntimeException e) {
                problems.add(Problem.of(f.toString(), e.getMessage()));
            }
        }
        return samples;
    }

    private void writeInputs(List<DegradedSample> samples) throws IOException {
        for (DegradedSample s : samples) {
            ImageFiles.writePng(imagePath(HR, s.name()), s.hr());
            ImageFiles.writePng(imagePath("lr", s.name()), s.lr());
        }
    }

    private Path imagePath(String set, String photo) throws IOException {
        Path p = out.resolve("images").resolve(set).resolve(photo + ".png");
        Files.createDirectories(p.getParent());
        return p;
    }

    /** Every method on every LR; a method that fails to load or on a photo is listed and the rest goes on. */
    private List<Restored> restore(List<BenchmarkMethods.Method> methods, List<DegradedSample> samples,
                                   List<Problem> problems, PrintWriter err) throws IOException {
        List<Restored> restored = new ArrayList<>();
        try (ConsoleProgress progress = new ConsoleProgress(err, "restore", (long) methods.size() * samples.size())) {
            for (BenchmarkMethods.Method m : methods) {
                Upscaler upscaler;
                try {
                    upscaler = m.loader().load();
                } catch (IOException | RuntimeException e) {
                    problems.add(new Problem(m.name(), "(all photos)", "cannot load the method: " + e.getMessage()));
                    samples.forEach(s -> progress.step(m.name()));
                    continue;
                }
                Map<String, RgbImage> images = new LinkedHashMap<>();
                long start = System.nanoTime();
                for (DegradedSample s : samples) {
                    try {
                        RgbImage sr = upscaler.upscale(s.lr());
                        images.put(s.name(), sr);
                        ImageFiles.writePng(imagePath(m.name(), s.name()), sr);
                    } catch (RuntimeException e) {
                        problems.add(new Problem(m.name(), s.name(), "restoration failed: " + e.getMessage()));
                    }
                    progress.step(m.name() + " " + s.name());
                }
                restored.add(new Restored(m, images, (System.nanoTime() - start) / 1e9));
            }
        }
        return restored;
    }

    /** One section per method (against the HR crops), then the HR crops themselves (no-reference metrics). */
    private List<Section> score(MetricOptions.Selection selection, List<DegradedSample> samples,
                                List<Restored> restored, List<Problem> problems, PrintWriter err) {
        QualityEvaluator evaluator = new QualityEvaluator(selection.metrics(), selection.distributionMetrics(),
                metricOptions.batch());
        List<Section> sections = new ArrayList<>();
        try (ConsoleProgress progress = new ConsoleProgress(err, "score", (long) (restored.size() + 1)
                * samples.size())) {
            for (Restored r : restored) {
                List<QualityEvaluator.Item> items = new ArrayList<>();
                for (DegradedSample s : samples) {
                    RgbImage sr = r.images().get(s.name());
                    if (sr != null) {
                        items.add(new QualityEvaluator.Item(s.name(), () -> new QualityEvaluator.Scored(sr, s.hr())));
                    }
                }
                sections.add(evaluator.evaluate(r.method().name(), r.method().description(), items, problems,
                        progress::step));
            }
            List<QualityEvaluator.Item> hrItems = samples.stream().map(s -> new QualityEvaluator.Item(s.name(),
                    () -> new QualityEvaluator.Scored(s.hr(), null))).toList();
            sections.add(evaluator.evaluate(HR, "The ground-truth crops: no-reference metrics only, for scale.",
                    hrItems, problems, progress::step));
        }
        return sections;
    }

    private Map<String, String> header(MetricRegistry.Settings settings, DegradationPreset p,
                                       List<DegradedSample> samples, List<String> skipped, List<Restored> restored) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("photos", photoFolder() + ": " + String.join(", ", samples.stream().map(DegradedSample::name)
                .toList()) + (samples.size() < count ? " (" + samples.size() + " of the " + count + " asked for)" : "")
                + (skipped.isEmpty() ? "" : "; skipped as smaller than the crop: "
                + String.join(", ", skipped)));
        h.put("degradation", "centre crop " + crop + "x" + crop + " -> Real-ESRGAN degradation, preset " + p.name()
                + ", base seed " + seed + " -> LR " + crop / p.scale() + "x" + crop / p.scale());
        for (Restored r : restored) {
            h.put("method " + r.method().name(), r.method().description() + String.format(Locale.ROOT,
                    "; %.2f s per image", r.images().isEmpty() ? 0 : r.seconds() / r.images().size()));
        }
        h.putAll(metricOptions.describe(settings));
        return h;
    }
}
