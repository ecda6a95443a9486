package dev.xpsr.workflow;

import dev.xpsr.api.Method;
import dev.xpsr.api.UpscaleRequest;
import dev.xpsr.api.Upscaler;
import dev.xpsr.degrade.DegradationPreset;
import dev.xpsr.degrade.RealEsrganDegradation;
import dev.xpsr.eval.DegradedSample;
import dev.xpsr.eval.FolderPairs;
import dev.xpsr.eval.MetricSelection;
import dev.xpsr.eval.QualityEvaluator;
import dev.xpsr.eval.QualityReport;
import dev.xpsr.eval.QualityReport.Problem;
import dev.xpsr.eval.QualityReport.Section;
import dev.xpsr.eval.QualityReportWriter;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * A reproducible comparison of restoration methods on real photos, as {@code xpsr benchmark-quality} runs it: each
 * photo's centre crop is the ground truth; its LR comes from the Real-ESRGAN degradation with a fixed seed
 * ({@link DegradedSample}); every method restores it through an {@link Upscaler}; the outputs are scored as
 * {@code xpsr eval} scores them; the report (Markdown, CSV, JSON), a comparison grid and one bar chart per metric
 * are written to the output folder with every image ({@code images/<set>/<photo>.png}).
 *
 * <p>One photo, method or metric that fails is listed as a problem and the rest goes on.
 */
public final class QualityBenchmark {
    /** The section of the ground-truth crops' own no-reference scores. */
    public static final String HR = "hr";

    /**
     * What to compare.
     *
     * @param photos   folder of real photos, used in name order (sub-folders too)
     * @param count    photos used; photos smaller than the crop are skipped
     * @param crop     side of the HR centre crop (a multiple of the preset's scale)
     * @param seed     base seed of the degradation
     * @param preset   the degradation
     * @param methods  the methods, in report order
     * @param gridCell side of the window of each output in the grid
     */
    public record Settings(Path photos, int count, int crop, long seed, DegradationPreset preset, List<Method> methods,
                           int gridCell) {
        public Settings {
            Objects.requireNonNull(photos, "photos");
            Objects.requireNonNull(preset, "preset");
            methods = List.copyOf(methods);
            if (count < 1) {
                throw new IllegalArgumentException("count must be at least 1, got " + count);
            }
            if (crop % preset.scale() != 0 || crop < preset.minimumSide()) {
                throw new IllegalArgumentException("crop must be a multiple of " + preset.scale() + " of at least "
                        + preset.minimumSide() + " for preset " + preset.name() + ", got " + crop);
            }
            if (gridCell < 1) {
                throw new IllegalArgumentException("gridCell must be at least 1, got " + gridCell);
            }
        }
    }

    /** Opens the upscaler of one method (the caller chooses weights, placement and XPSR's models). */
    @FunctionalInterface
    public interface Upscalers {
        Upscaler open(Method method) throws IOException;
    }

    /** Told of each restoration and each scoring, for progress bars. */
    public interface Listener {
        default void restoring(int total) {
        }

        default void restored(Method method, String photo) {
        }

        default void scoring(int total) {
        }

        default void scored(String set, String photo) {
        }
    }

    /** The written report and what it covered. */
    public record Outcome(QualityReport report, List<DegradedSample> samples, List<String> skipped) {
        /** Whether every photo was restored and scored by every method. */
        public boolean complete() {
            return report.problems().isEmpty();
        }
    }

    private record Restored(Method method, Map<String, RgbImage> images, double seconds) {
    }

    private final Settings settings;
    private final Upscalers upscalers;
    private final UnaryOperator<UpscaleRequest.Builder> template;
    private final MetricSelection metrics;
    private final int batch;

    /**
     * @param template completes each restoration's request (XPSR's settings; the baselines ignore them)
     * @param batch    images per metric call
     */
    public QualityBenchmark(Settings settings, Upscalers upscalers, UnaryOperator<UpscaleRequest.Builder> template,
                            MetricSelection metrics, int batch) {
        this.settings = settings;
        this.upscalers = upscalers;
        this.template = template;
        this.metrics = metrics;
        this.batch = batch;
    }

    /**
     * Runs the comparison into {@code out}.
     *
     * @param header extra report header lines (e.g. the metric settings)
     * @throws IOException when the photos cannot be listed or the outputs cannot be written
     */
    public Outcome run(Path out, Map<String, String> header, Listener listener) throws IOException {
        List<Problem> problems = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        List<DegradedSample> samples = samples(problems, skipped);
        Files.createDirectories(out);
        for (DegradedSample s : samples) {
            ImageFiles.writePng(imagePath(out, HR, s.name()), s.hr());
            ImageFiles.writePng(imagePath(out, "lr", s.name()), s.lr());
        }
        List<Restored> restored = restore(samples, out, problems, listener);
        List<Section> sections = score(samples, restored, problems, listener);
        Map<String, String> lines = header(samples, skipped, restored);
        lines.putAll(header);
        QualityReport report = new QualityReport("xpsr benchmark-quality", lines, metrics.infos(),
                metrics.distributionInfos(), metrics.unavailable(), sections, problems);
        if (!samples.isEmpty()) {
            QualityReportWriter.write(report, QualityReportWriter.Files.at(out.resolve("report")));
            BenchmarkFigures.grid(out.resolve("grid.png"), samples, restored.stream().map(r -> r.method().id())
                    .toList(), restored.stream().map(Restored::images).toList(), settings.gridCell());
            BenchmarkFigures.charts(out, report, HR);
        }
        return new Outcome(report, samples, skipped);
    }

    /** The first {@code count} photos (by name) large enough for the crop, cropped and degraded. */
    private List<DegradedSample> samples(List<Problem> problems, List<String> skipped) throws IOException {
        Path dir = settings.photos();
        if (!Files.isDirectory(dir)) {
            throw new IOException("photos: " + dir + " is not a folder");
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(FolderPairs::isImageFile).sorted().toList();
        }
        RealEsrganDegradation degradation = new RealEsrganDegradation(settings.preset());
        List<DegradedSample> samples = new ArrayList<>();
        for (Path f : files) {
            if (samples.size() == settings.count()) {
                break;
            }
            String name = dir.relativize(f).toString().replaceFirst("\\.[^./\\\\]+$", "");
            try {
                RgbImage photo = ImageFiles.read(f);
                if (photo.width() < settings.crop() || photo.height() < settings.crop()) {
                    skipped.add(name + " (" + photo.width() + "x" + photo.height() + ")");
                    continue;
                }
                samples.add(DegradedSample.of(name, photo, settings.crop(), degradation, settings.seed()));
            } catch (IOException | RuntimeException e) {
                problems.add(Problem.of(f.toString(), e.getMessage()));
            }
        }
        return samples;
    }

    /** Every method on every LR; a method that fails to load or on a photo is listed and the rest goes on. */
    private List<Restored> restore(List<DegradedSample> samples, Path out, List<Problem> problems,
                                   Listener listener) throws IOException {
        listener.restoring(settings.methods().size() * samples.size());
        List<Restored> restored = new ArrayList<>();
        for (Method m : settings.methods()) {
            Map<String, RgbImage> images = new LinkedHashMap<>();
            long start = System.nanoTime();
            try (Upscaler upscaler = upscalers.open(m)) {
                for (DegradedSample s : samples) {
                    try {
                        RgbImage sr = upscaler.upscale(template.apply(UpscaleRequest.builder(s.lr()).name(s.name()))
                                .build()).image();
                        images.put(s.name(), sr);
                        ImageFiles.writePng(imagePath(out, m.id(), s.name()), sr);
                    } catch (RuntimeException e) {
                        problems.add(new Problem(m.id(), s.name(), "restoration failed: " + e.getMessage()));
                    }
                    listener.restored(m, s.name());
                }
            } catch (IOException | RuntimeException e) {
                problems.add(new Problem(m.id(), "(all photos)", "cannot load the method: " + e.getMessage()));
                samples.forEach(s -> listener.restored(m, s.name()));
                continue;
            }
            restored.add(new Restored(m, images, (System.nanoTime() - start) / 1e9));
        }
        return restored;
    }

    /** One section per method (against the HR crops), then the HR crops themselves (no-reference metrics). */
    private List<Section> score(List<DegradedSample> samples, List<Restored> restored, List<Problem> problems,
                                Listener listener) {
        QualityEvaluator evaluator = new QualityEvaluator(metrics.metrics(), metrics.distributionMetrics(), batch);
        listener.scoring((restored.size() + 1) * samples.size());
        List<Section> sections = new ArrayList<>();
        for (Restored r : restored) {
            List<QualityEvaluator.Item> items = new ArrayList<>();
            for (DegradedSample s : samples) {
                RgbImage sr = r.images().get(s.name());
                if (sr != null) {
                    items.add(new QualityEvaluator.Item(s.name(), () -> new QualityEvaluator.Scored(sr, s.hr())));
                }
            }
            sections.add(evaluator.evaluate(r.method().id(), r.method().description(), items, problems,
                    photo -> listener.scored(r.method().id(), photo)));
        }
        List<QualityEvaluator.Item> hrItems = samples.stream().map(s -> new QualityEvaluator.Item(s.name(),
                () -> new QualityEvaluator.Scored(s.hr(), null))).toList();
        sections.add(evaluator.evaluate(HR, "The ground-truth crops: no-reference metrics only, for scale.",
                hrItems, problems, photo -> listener.scored(HR, photo)));
        return sections;
    }

    private Map<String, String> header(List<DegradedSample> samples, List<String> skipped, List<Restored> restored) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("photos", settings.photos() + ": " + String.join(", ", samples.stream().map(DegradedSample::name)
                .toList()) + (samples.size() < settings.count() ? " (" + samples.size() + " of the "
                + settings.count() + " asked for)" : "") + (skipped.isEmpty() ? ""
                : "; skipped as smaller than the crop: " + String.join(", ", skipped)));
        int scale = settings.preset().scale();
        h.put("degradation", "centre crop " + settings.crop() + "x" + settings.crop()
                + " -> Real-ESRGAN degradation, preset " + settings.preset().name() + ", base seed " + settings.seed()
                + " -> LR " + settings.crop() / scale + "x" + settings.crop() / scale);
        for (Restored r : restored) {
            h.put("method " + r.method().id(), r.method().description() + String.format(Locale.ROOT,
                    "; %.2f s per image", r.images().isEmpty() ? 0 : r.seconds() / r.images().size()));
        }
        return h;
    }

    private static Path imagePath(Path out, String set, String photo) throws IOException {
        Path p = out.resolve("images").resolve(set).resolve(photo + ".png");
        Files.createDirectories(p.getParent());
        return p;
    }
}
