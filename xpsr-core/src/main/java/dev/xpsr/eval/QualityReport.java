package dev.xpsr.eval;

import dev.xpsr.metrics.PretrainedFile;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * The result of scoring one or more sets of images: which metrics ran (with their conventions and weights),
 * which could not and why, the scores per image and set, and every file that failed. {@link QualityReportWriter}
 * renders it as Markdown, CSV and JSON.
 *
 * @param title        what produced the report, e.g. {@code xpsr eval}
 * @param settings     label → value lines (folders, convention, crop border, ...), in order
 * @param metrics      the per-image metrics that ran, in registry order
 * @param distribution the set-level metrics that ran
 * @param unavailable  metrics that were asked for but cannot run here
 * @param sections     one scored set each (a method's outputs, the LR inputs, ...)
 * @param problems     files or pairs that could not be (fully) scored
 */
public record QualityReport(String title, Map<String, String> settings, List<MetricInfo> metrics,
                            List<MetricInfo> distribution, List<Unavailable> unavailable, List<Section> sections,
                            List<Problem> problems) {
    public QualityReport {
        Objects.requireNonNull(title, "title");
        settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        metrics = List.copyOf(metrics);
        distribution = List.copyOf(distribution);
        unavailable = List.copyOf(unavailable);
        sections = List.copyOf(sections);
        problems = List.copyOf(problems);
    }

    /**
     * A metric as the report names it.
     *
     * @param description the convention, reference and weights, as the metric registry gives them
     */
    public record MetricInfo(String name, String description, boolean higherIsBetter, boolean needsReference) {
        /** "↑" when higher is better, else "↓". */
        public String arrow() {
            return higherIsBetter ? "↑" : "↓";
        }

        /** "higher is better" or "lower is better". */
        public String direction() {
            return higherIsBetter ? "higher is better" : "lower is better";
        }
    }

    /**
     * A metric that cannot run.
     *
     * @param reason why, naming the files it needs and where to get them
     * @param files  the missing files (empty when the files are there but failed to load)
     */
    public record Unavailable(String name, String reason, List<PretrainedFile> files) {
        public Unavailable {
            files = List.copyOf(files);
        }
    }

    /** One image's scores, metric name → value (a metric that failed on this image has no entry). */
    public record ImageScores(String image, Map<String, Double> scores) {
        public ImageScores {
            scores = Collections.unmodifiableMap(new LinkedHashMap<>(scores));
        }
    }

    /**
     * One scored set of images.
     *
     * @param name         short name, e.g. {@code sr}, {@code bicubic-pil}
     * @param description  what the set is, one line
     * @param images       per-image scores, in input order
     * @param distribution set-level scores, metric name → value
     */
    public record Section(String name, String description, List<ImageScores> images,
                          Map<String, Double> distribution) {
        public Section {
            images = List.copyOf(images);
            distribution = Collections.unmodifiableMap(new LinkedHashMap<>(distribution));
        }

        /**
         * The arithmetic mean of {@code metric} over the images that have it; empty when none has. As numpy's
         * mean, it is +inf when any value is +inf (PSNR of identical images).
         */
        public OptionalDouble mean(String metric) {
            return images.stream().filter(i -> i.scores().containsKey(metric))
                    .mapToDouble(i -> i.scores().get(metric)).average();
        }

        /** How many images have a value of {@code metric}. */
        public int count(String metric) {
            return (int) images.stream().filter(i -> i.scores().containsKey(metric)).count();
        }

        /** Whether any image has a value of {@code metric}. */
        public boolean has(String metric) {
            return count(metric) > 0;
        }
    }

    /**
     * A file or pair that could not be read or scored (fully or for one metric), and why.
     *
     * @param set  the section it belongs to, or empty when it was never scored (e.g. a file without counterpart)
     * @param file the image's name or file
     */
    public record Problem(String set, String file, String message) {
        public Problem {
            Objects.requireNonNull(set, "set");
        }

        /** A problem outside any section. */
        public static Problem of(String file, String message) {
            return new Problem("", file, message);
        }

        /** "set/file" or "file". */
        public String where() {
            return set.isEmpty() ? file : set + "/" + file;
        }
    }
}
