package dev.xpsr.eval;

import dev.xpsr.eval.QualityReport.Problem;
import dev.xpsr.eval.QualityReport.Section;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import dev.xpsr.metrics.MetricRegistry;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What {@code xpsr eval} does with its folders, apart from how the images get scored: the files of the HR, SR and
 * optional LR folders matched by name ({@link FolderPairs}), each file without a counterpart as a problem, the item
 * scored for each match (the SR image brought to its HR's size by the {@link SizePolicy}; the LR image alone), and
 * the report with its header. The scoring is a {@link SetScorer}: {@link #inProcess} runs a
 * {@link QualityEvaluator} here; a distributed engine can score the same items elsewhere and, by returning the same
 * rows and problems in the same order, produce the same report.
 */
public final class FolderEvaluation {
    /** The report's title. */
    public static final String TITLE = "xpsr eval";

    /** The sets a report scores, in report order. */
    public enum ScoredSet {
        /** Restored images against their ground truth. */
        SR,
        /** LR inputs, no-reference metrics only. */
        LR;

        /** The section name, as the report prints it. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Scores the items of one set. */
    @FunctionalInterface
    public interface SetScorer {
        /**
         * The section of {@code set} for {@code matches} (in their order); every failure is added to
         * {@code problems} in item order, as {@link QualityEvaluator#evaluate} adds them.
         */
        Section score(ScoredSet set, String description, List<FolderPairs.Match> matches, List<Problem> problems);
    }

    private final Path hr;
    private final Path sr;
    private final Path lr;
    private final FolderPairs pairs;
    private final SizePolicy policy;
    private final ImageFiles.ReadOptions read;

    private FolderEvaluation(Path hr, Path sr, Path lr, FolderPairs pairs, SizePolicy policy,
                             ImageFiles.ReadOptions read) {
        this.hr = hr;
        this.sr = sr;
        this.lr = lr;
        this.pairs = pairs;
        this.policy = policy;
        this.read = read;
    }

    /**
     * Matches the files of the folders.
     *
     * @param lr the LR folder, or null for none
     * @throws IOException when a folder is missing or cannot be listed
     */
    public static FolderEvaluation match(Path hr, Path sr, Path lr, SizePolicy policy, ImageFiles.ReadOptions read)
            throws IOException {
        return new FolderEvaluation(hr, sr, lr, FolderPairs.match(hr, sr, lr), Objects.requireNonNull(policy),
                Objects.requireNonNull(read));
    }

    public FolderPairs pairs() {
        return pairs;
    }

    /** Whether an LR folder is scored too. */
    public boolean hasLr() {
        return lr != null;
    }

    /**
     * The item scored for {@code m} in {@code set}: its loader reads the files (at most {@code read.maxPixels()}
     * each) and, for {@link ScoredSet#SR}, aligns the SR image to its HR by {@code policy}.
     */
    public static QualityEvaluator.Item item(ScoredSet set, FolderPairs.Match m, SizePolicy policy,
                                             ImageFiles.ReadOptions read) {
        return switch (set) {
            case SR -> new QualityEvaluator.Item(m.name(), () -> {
                RgbImage reference = ImageFiles.read(m.hr(), read);
                RgbImage image = ImageFiles.read(m.sr(), read);
                RgbImage[] aligned = policy.align(image, reference, m.sr() + " vs " + m.hr());
                return new QualityEvaluator.Scored(aligned[0], aligned[1]);
            });
            case LR -> new QualityEvaluator.Item(m.name(),
                    () -> new QualityEvaluator.Scored(ImageFiles.read(m.lr(), read), null));
        };
    }

    /** A scorer that runs {@code evaluator} in this process, telling {@code progress} of each item. */
    public SetScorer inProcess(QualityEvaluator evaluator, QualityEvaluator.Progress progress) {
        return (set, description, matches, problems) -> evaluator.evaluate(set.id(), description,
                matches.stream().map(m -> item(set, m, policy, read)).toList(), problems, progress);
    }

    /**
     * Scores the SR set (and the LR set when there is an LR folder) with {@code scorer} and assembles the report:
     * the unmatched files first, then each set's problems in scoring order.
     */
    public QualityReport report(MetricSelection selection, MetricRegistry.Settings settings, SetScorer scorer) {
        List<Problem> problems = unmatched();
        List<Section> sections = new ArrayList<>();
        sections.add(scorer.score(ScoredSet.SR, "Restored images in " + sr + " against " + hr + ".",
                pairs.matches(), problems));
        if (lr != null) {
            List<FolderPairs.Match> withLr = new ArrayList<>();
            for (FolderPairs.Match m : pairs.matches()) {
                if (m.lr() == null) {
                    problems.add(new Problem(ScoredSet.LR.id(), m.hr().toString(), "no LR image of the same name in "
                            + lr));
                } else {
                    withLr.add(m);
                }
            }
            sections.add(scorer.score(ScoredSet.LR, "LR inputs in " + lr + ": no-reference metrics only.", withLr,
                    problems));
        }
        return new QualityReport(TITLE, header(settings), selection.infos(), selection.distributionInfos(),
                selection.unavailable(), sections, problems);
    }

    /** Every file that has no counterpart, and every ambiguous name, as a problem. */
    private List<Problem> unmatched() {
        List<Problem> problems = new ArrayList<>();
        pairs.onlyHr().forEach(f -> problems.add(Problem.of(f.toString(), "no SR image of the same name in " + sr)));
        pairs.onlySr().forEach(f -> problems.add(Problem.of(f.toString(), "no HR image of the same name in " + hr)));
        pairs.ambiguous().forEach(a -> problems.add(Problem.of(a, "ambiguous name; rename one of the files")));
        if (pairs.matches().isEmpty()) {
            problems.add(Problem.of(hr.toString(), "no image here has a counterpart of the same name in " + sr));
        }
        return problems;
    }

    private Map<String, String> header(MetricRegistry.Settings settings) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("HR", hr.toString());
        h.put("SR", sr.toString());
        if (lr != null) {
            h.put("LR", lr.toString());
        }
        h.put("pairs matched by name", pairs.matches().size() + " (" + pairs.onlyHr().size() + " HR only, "
                + pairs.onlySr().size() + " SR only, " + pairs.ambiguous().size() + " ambiguous)");
        h.put("size mismatch policy", policy.name().toLowerCase(Locale.ROOT));
        h.putAll(settings.describe());
        return h;
    }
}
