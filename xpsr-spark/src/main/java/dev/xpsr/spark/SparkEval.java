package dev.xpsr.spark;

import dev.xpsr.eval.FolderEvaluation;
import dev.xpsr.eval.FolderPairs;
import dev.xpsr.eval.MetricSelection;
import dev.xpsr.eval.QualityReport;
import dev.xpsr.eval.QualityReport.Problem;
import dev.xpsr.metrics.DistributionMetric;
import dev.xpsr.metrics.Fid;
import dev.xpsr.metrics.FrechetDistance;
import dev.xpsr.metrics.Metric;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The eval job: {@code xpsr eval}'s report with the images scored on the executors. The driver matches the folders
 * and assembles the report as the command does ({@link FolderEvaluation}); each set is cut into chunks of
 * {@code batch} consecutive items, as the command scores them, and the executors score the chunks
 * ({@link EvalTask}); the driver puts the rows and problems back in set order and computes FID from the Inception
 * features the executors gathered. The report is the command's: the same tables, values and problems.
 */
public final class SparkEval {
    private static final String WHOLE_SET = "(whole set)";

    private SparkEval() {
    }

    /**
     * Runs the job and returns the report ({@code QualityReportWriter} renders it).
     *
     * @throws IOException              when a folder cannot be listed
     * @throws IllegalArgumentException for an unknown metric name or a folder that is not local
     */
    public static QualityReport run(SparkSession spark, EvalSettings settings) throws IOException {
        FolderEvaluation evaluation = FolderEvaluation.match(settings.hrFolder(), settings.srFolder(),
                settings.lrFolder(), settings.resize(), settings.readOptions());
        MetricSpec spec = settings.metrics();
        // the driver loads the metrics too, on the CPU: the report names each one and says which cannot run; in
        // local mode the executor threads reuse what it loaded
        MetricSpec.OnDevice onDriver = new MetricSpec.OnDevice(spec, "cpu");
        MetricSelection selection;
        try (ExecutorResources.Lease<MetricSelection> lease = ExecutorResources.pooled(onDriver, onDriver::select)) {
            selection = lease.get();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot load the metrics: " + e.getMessage(), e);
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        EvalTask task = new EvalTask(settings, selection.metrics().stream().map(Metric::name).toList());
        QualityReport report = evaluation.report(selection, spec.settings(spec.device()),
                (set, description, matches, problems) -> {
                    jsc.setJobDescription("xpsr eval: " + matches.size() + " " + set.id() + " images");
                    List<EvalTask.Scored> scored = score(jsc, task, settings, set, matches);
                    return section(set, description, scored, selection, problems);
                });
        jsc.setJobDescription(null);
        return report;
    }

    /** The chunks' scores, in set order. */
    private static List<EvalTask.Scored> score(JavaSparkContext jsc, EvalTask task, EvalSettings settings,
                                               FolderEvaluation.ScoredSet set, List<FolderPairs.Match> matches) {
        int batch = settings.metrics().batch();
        List<EvalTask.Chunk> chunks = new ArrayList<>();
        for (int from = 0; from < matches.size(); from += batch) {
            chunks.add(new EvalTask.Chunk(chunks.size(), set, matches.subList(from, Math.min(matches.size(),
                    from + batch)).stream().map(EvalTask.Pair::of).toList()));
        }
        if (chunks.isEmpty()) {
            return List.of();
        }
        List<EvalTask.Scored> scored = new ArrayList<>(jsc.parallelize(chunks, Partitions.count(jsc,
                settings.partitions(), chunks.size())).mapPartitions(task).collect());
        scored.sort(Comparator.comparingInt(EvalTask.Scored::index));
        return scored;
    }

    private static QualityReport.Section section(FolderEvaluation.ScoredSet set, String description,
                                                 List<EvalTask.Scored> scored, MetricSelection selection,
                                                 List<Problem> problems) {
        List<QualityReport.ImageScores> rows = new ArrayList<>();
        for (EvalTask.Scored s : scored) {
            for (int i = 0; i < s.names().size(); i++) {
                rows.add(new QualityReport.ImageScores(s.names().get(i), s.scores().get(i)));
            }
            s.failures().forEach(f -> problems.add(f.problem()));
        }
        return new QualityReport.Section(set.id(), description, rows, distribution(set, scored, selection,
                problems));
    }

    /**
     * The set-level metrics from the executors' features, as {@code QualityEvaluator} computes them in one
     * process: nothing when no scored image has a reference, a whole-set problem when a metric fails.
     */
    private static Map<String, Double> distribution(FolderEvaluation.ScoredSet set, List<EvalTask.Scored> scored,
                                                    MetricSelection selection, List<Problem> problems) {
        List<float[]> images = new ArrayList<>();
        List<float[]> references = new ArrayList<>();
        String failure = null;
        for (EvalTask.Scored s : scored) {
            images.addAll(List.of(s.imageFeatures()));
            references.addAll(List.of(s.referenceFeatures()));
            failure = failure != null ? failure : s.featureFailure();
        }
        Map<String, Double> out = new LinkedHashMap<>();
        if (images.isEmpty() && failure == null) {
            return out;
        }
        for (DistributionMetric d : selection.distributionMetrics()) {
            try {
                if (!(d instanceof Fid)) {
                    throw new UnsupportedOperationException("only xpsr eval computes it, not the Spark job");
                }
                if (failure != null) {
                    throw new IllegalStateException(failure);
                }
                out.put(d.name(), FrechetDistance.distance(
                        FrechetDistance.statistics(images.toArray(float[][]::new)),
                        FrechetDistance.statistics(references.toArray(float[][]::new))));
            } catch (RuntimeException e) {
                problems.add(new Problem(set.id(), WHOLE_SET, d.name() + ": " + (e.getMessage() == null
                        || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage())));
            }
        }
        return out;
    }
}
