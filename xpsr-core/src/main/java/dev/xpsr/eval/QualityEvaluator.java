package dev.xpsr.eval;

import dev.xpsr.eval.QualityReport.ImageScores;
import dev.xpsr.eval.QualityReport.Problem;
import dev.xpsr.eval.QualityReport.Section;
import dev.xpsr.io.RgbImage;
import dev.xpsr.metrics.DistributionMetric;
import dev.xpsr.metrics.Metric;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Scores sets of images with a list of metrics, so that one bad file costs only its own row: images are loaded
 * and scored {@code batch} at a time; a load failure drops that image, a metric failing on a batch is retried
 * image by image, and each failure is recorded as a {@link Problem} naming the image and the metric.
 * Full-reference metrics are skipped for items without a reference (e.g. LR inputs). Images are held only for
 * the batch being scored, unless a distribution metric needs the whole set.
 */
public final class QualityEvaluator {
    /** Loads one item's images; may fail with a message naming the file. */
    @FunctionalInterface
    public interface Loader {
        Scored load() throws Exception;
    }

    /** An image to score and its ground truth (null for no-reference scoring only). */
    public record Scored(RgbImage image, RgbImage reference) {
        public Scored {
            Objects.requireNonNull(image, "image");
        }
    }

    /** One named item of a set. */
    public record Item(String name, Loader loader) {
    }

    /** Told after each item is scored (for progress bars). */
    @FunctionalInterface
    public interface Progress {
        void scored(String name);
    }

    private final List<Metric> metrics;
    private final List<DistributionMetric> distributionMetrics;
    private final int batch;

    /**
     * @param metrics             per-image metrics, in report order
     * @param distributionMetrics set-level metrics, computed over every item that has a reference
     * @param batch               images scored per call of {@link Metric#scores}, at least 1
     */
    public QualityEvaluator(List<Metric> metrics, List<DistributionMetric> distributionMetrics, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        }
        this.metrics = List.copyOf(metrics);
        this.distributionMetrics = List.copyOf(distributionMetrics);
        this.batch = batch;
    }

    /** Scores {@code items} as one section, adding failures to {@code problems}. */
    public Section evaluate(String name, String description, List<Item> items, List<Problem> problems,
                            Progress progress) {
        List<ImageScores> rows = new ArrayList<>();
        List<RgbImage> allImages = new ArrayList<>();
        List<RgbImage> allReferences = new ArrayList<>();
        for (int from = 0; from < items.size(); from += batch) {
            List<Item> chunk = items.subList(from, Math.min(items.size(), from + batch));
            List<String> names = new ArrayList<>();
            List<Scored> loaded = new ArrayList<>();
            for (Item item : chunk) {
                try {
                    loaded.add(item.loader().load());
                    names.add(item.name());
                } catch (Exception e) {
                    problems.add(new Problem(name, item.name(), message(e)));
                }
            }
            rows.addAll(scoreChunk(name, names, loaded, problems));
            if (!distributionMetrics.isEmpty()) {
                loaded.stream().filter(s -> s.reference() != null).forEach(s -> {
                    allImages.add(s.image());
                    allReferences.add(s.reference());
                });
            }
            names.forEach(progress::scored);
        }
        return new Section(name, description, rows, distribution(name, allImages, allReferences, problems));
    }

    /** Every metric on one chunk of loaded items, one row per item. */
    private List<ImageScores> scoreChunk(String set, List<String> names, List<Scored> loaded, List<Problem> problems) {
        List<Map<String, Double>> scores = new ArrayList<>();
        loaded.forEach(s -> scores.add(new LinkedHashMap<>()));
        for (Metric m : metrics) {
            List<Integer> idx = new ArrayList<>();
            for (int i = 0; i < loaded.size(); i++) {
                if (!m.needsReference() || loaded.get(i).reference() != null) {
                    idx.add(i);
                }
            }
            double[] values = scoreAll(set, m, idx, names, loaded, problems);
            for (int k = 0; k < idx.size(); k++) {
                if (!Double.isNaN(values[k])) {
                    scores.get(idx.get(k)).put(m.name(), values[k]);
                }
            }
        }
        List<ImageScores> rows = new ArrayList<>();
        for (int i = 0; i < loaded.size(); i++) {
            rows.add(new ImageScores(names.get(i), scores.get(i)));
        }
        return rows;
    }

    /**
     * {@code m} on the chosen items in one call; if that fails, item by item so the failure is pinned on its
     * image. NaN marks an item the metric failed on (a metric that returns NaN itself is reported too).
     */
    private static double[] scoreAll(String set, Metric m, List<Integer> idx, List<String> names, List<Scored> loaded,
                                     List<Problem> problems) {
        double[] out = new double[idx.size()];
        if (idx.isEmpty()) {
            return out;
        }
        List<RgbImage> images = idx.stream().map(i -> loaded.get(i).image()).toList();
        List<RgbImage> refs = m.needsReference() ? idx.stream().map(i -> loaded.get(i).reference()).toList() : null;
        try {
            double[] all = m.scores(images, refs);
            if (idx.size() == 1 || !anyNaN(all)) {
                reportNaN(set, m, all, idx, names, problems);
                return all;
            }
        } catch (RuntimeException e) {
            if (idx.size() == 1) {
                problems.add(new Problem(set, names.get(idx.get(0)), m.name() + ": " + message(e)));
                out[0] = Double.NaN;
                return out;
            }
        }
        for (int k = 0; k < idx.size(); k++) {
            out[k] = scoreAll(set, m, List.of(idx.get(k)), names, loaded, problems)[0];
        }
        return out;
    }

    private static boolean anyNaN(double[] v) {
        for (double d : v) {
            if (Double.isNaN(d)) {
                return true;
            }
        }
        return false;
    }

    private static void reportNaN(String set, Metric m, double[] values, List<Integer> idx, List<String> names,
                                  List<Problem> problems) {
        for (int k = 0; k < values.length; k++) {
            if (Double.isNaN(values[k])) {
                problems.add(new Problem(set, names.get(idx.get(k)), m.name() + ": the metric returned NaN"));
            }
        }
    }

    private Map<String, Double> distribution(String section, List<RgbImage> images, List<RgbImage> references,
                                             List<Problem> problems) {
        Map<String, Double> out = new LinkedHashMap<>();
        if (images.isEmpty()) {
            return out;
        }
        for (DistributionMetric d : distributionMetrics) {
            try {
                out.put(d.name(), d.score(images, references));
            } catch (RuntimeException e) {
                problems.add(new Problem(section, "(whole set)", d.name() + ": " + message(e)));
            }
        }
        return out;
    }

    /** The exception's message, or its class name when it has none. */
    static String message(Throwable e) {
        return e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
    }
}
