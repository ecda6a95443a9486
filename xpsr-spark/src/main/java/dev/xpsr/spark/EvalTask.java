package dev.xpsr.spark;

import dev.xpsr.eval.FolderEvaluation;
import dev.xpsr.eval.FolderPairs;
import dev.xpsr.eval.MetricSelection;
import dev.xpsr.eval.QualityEvaluator;
import dev.xpsr.eval.QualityReport;
import dev.xpsr.io.RgbImage;
import dev.xpsr.metrics.DistributionMetric;
import dev.xpsr.metrics.Fid;
import dev.xpsr.metrics.Metric;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.ThreadCount;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;

import java.io.Serial;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Scores one partition's chunks on an executor with {@code xpsr eval}'s own per-chunk routine: the items of
 * {@link FolderEvaluation#item} scored by a {@link QualityEvaluator}, which records a failure per image and metric
 * and goes on. For FID it also gives each image's Inception features (and its reference's), which the driver turns
 * into the set's distance. Each task scores with its own copy of the metrics ({@link ExecutorResources#pooled}:
 * the networks are not shared between threads), loaded once per executor and task slot.
 */
final class EvalTask implements FlatMapFunction<Iterator<EvalTask.Chunk>, EvalTask.Scored> {
    @Serial
    private static final long serialVersionUID = 1L;

    /** A {@link FolderPairs.Match} that travels. */
    record Pair(String name, String hr, String sr, String lr) implements Serializable {
        @Serial
        private static final long serialVersionUID = 1L;

        static Pair of(FolderPairs.Match m) {
            return new Pair(m.name(), m.hr().toString(), m.sr().toString(), m.lr() == null ? null
                    : m.lr().toString());
        }

        FolderPairs.Match match() {
            return new FolderPairs.Match(name, Path.of(hr), Path.of(sr), lr == null ? null : Path.of(lr));
        }
    }

    /** Consecutive items of one set, as many as one metric call scores, numbered in set order. */
    record Chunk(int index, FolderEvaluation.ScoredSet set, List<Pair> pairs) implements Serializable {
        @Serial
        private static final long serialVersionUID = 1L;
    }

    /** A {@link QualityReport.Problem} that travels. */
    record Failure(String set, String file, String message) implements Serializable {
        @Serial
        private static final long serialVersionUID = 1L;

        QualityReport.Problem problem() {
            return new QualityReport.Problem(set, file, message);
        }
    }

    /**
     * A chunk's scores.
     *
     * @param names             the images scored, in order
     * @param scores            each one's metric → value
     * @param failures          what failed, in the order the evaluator recorded it
     * @param imageFeatures     FID features of the scored images that have a reference (empty without FID)
     * @param referenceFeatures FID features of their references
     * @param featureFailure    why the features could not be computed, or null
     */
    record Scored(int index, List<String> names, List<Map<String, Double>> scores, List<Failure> failures,
                  float[][] imageFeatures, float[][] referenceFeatures, String featureFailure) implements Serializable {
        @Serial
        private static final long serialVersionUID = 1L;
    }

    private final EvalSettings settings;
    private final List<String> driverMetrics;

    /** @param driverMetrics the per-image metrics the driver loaded; every executor must load the same */
    EvalTask(EvalSettings settings, List<String> driverMetrics) {
        this.settings = settings;
        this.driverMetrics = List.copyOf(driverMetrics);
    }

    @Override
    public Iterator<Scored> call(Iterator<Chunk> chunks) throws Exception {
        NativeStartup.ensureStarted();
        ThreadCount.setForCurrentThread(settings.threads() > 0 ? settings.threads() : TaskContext.get().cpus());
        MetricSpec.OnDevice spec = new MetricSpec.OnDevice(settings.metrics(),
                TaskDevice.resolve(settings.metrics().device()));
        List<Scored> out = new ArrayList<>();
        try (ExecutorResources.Lease<MetricSelection> metrics = ExecutorResources.pooled(spec, spec::select)) {
            checkSameMetrics(metrics.get());
            while (chunks.hasNext()) {
                out.add(score(chunks.next(), metrics.get()));
            }
        }
        return out.iterator();
    }

    private void checkSameMetrics(MetricSelection selection) {
        List<String> here = selection.metrics().stream().map(Metric::name).toList();
        if (!here.equals(driverMetrics)) {
            throw new IllegalStateException("this executor loads the metrics " + here + " but the driver loaded "
                    + driverMetrics + " (" + selection.unavailable().stream().map(u -> u.reason())
                    .toList() + "); put the weight files (" + settings.metrics().weightsDir() + ") and the NIQE/"
                    + "BRISQUE models (" + settings.metrics().dataDir() + ") at the same path on every executor");
        }
    }

    private Scored score(Chunk chunk, MetricSelection selection) {
        List<QualityEvaluator.Scored> loaded = new ArrayList<>();
        List<QualityEvaluator.Item> items = new ArrayList<>();
        for (Pair p : chunk.pairs()) {
            QualityEvaluator.Item item = FolderEvaluation.item(chunk.set(), p.match(), settings.resize(),
                    settings.readOptions());
            items.add(new QualityEvaluator.Item(item.name(), () -> {
                QualityEvaluator.Scored s = item.loader().load();
                loaded.add(s);
                return s;
            }));
        }
        QualityEvaluator evaluator = new QualityEvaluator(selection.metrics(), List.of(), settings.metrics().batch());
        List<QualityReport.Problem> problems = new ArrayList<>();
        QualityReport.Section section = evaluator.evaluate(chunk.set().id(), "", items, problems, name -> { });
        List<String> names = new ArrayList<>();
        List<Map<String, Double>> scores = new ArrayList<>();
        for (QualityReport.ImageScores row : section.images()) {
            names.add(row.image());
            scores.add(new LinkedHashMap<>(row.scores()));
        }
        List<Failure> failures = problems.stream().map(p -> new Failure(p.set(), p.file(), p.message())).toList();
        List<RgbImage> images = new ArrayList<>();
        List<RgbImage> references = new ArrayList<>();
        loaded.stream().filter(s -> s.reference() != null).forEach(s -> {
            images.add(s.image());
            references.add(s.reference());
        });
        Optional<Fid> fid = fid(selection);
        if (fid.isEmpty() || images.isEmpty()) {
            return new Scored(chunk.index(), names, scores, failures, new float[0][], new float[0][], null);
        }
        try {
            return new Scored(chunk.index(), names, scores, failures, fid.get().features(images),
                    fid.get().features(references), null);
        } catch (RuntimeException e) {
            return new Scored(chunk.index(), names, scores, failures, new float[0][], new float[0][],
                    e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
    }

    static Optional<Fid> fid(MetricSelection selection) {
        for (DistributionMetric d : selection.distributionMetrics()) {
            if (d instanceof Fid f) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }
}
