package dev.xpsr.cli;

import dev.xpsr.eval.FolderPairs;
import dev.xpsr.eval.MetricSelection;
import dev.xpsr.eval.QualityEvaluator;
import dev.xpsr.eval.QualityReport;
import dev.xpsr.eval.QualityReport.Problem;
import dev.xpsr.eval.QualityReportWriter;
import dev.xpsr.eval.SizePolicy;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import dev.xpsr.metrics.MetricRegistry;
import dev.xpsr.torch.NativeStartup;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code xpsr eval}: every available metric of restored images against their ground truth, matched by file name,
 * as a Markdown report on stdout and, with {@code -o}, Markdown, CSV and JSON files. A file that cannot be read,
 * a pair of different sizes, a name found in one folder only: each is listed and the rest is still scored.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Score restored images against their ground truth with every available metric "
                + "(PSNR, SSIM, LPIPS, DISTS, NIQE, BRISQUE, ...), per image and as means.",
                "Files are matched by name without extension (sub-folders included). Grey and alpha images are "
                        + "converted to RGB as Pillow's convert('RGB') does."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every file was scored", "1:a file failed, had no counterpart or a metric failed on it "
                + "(listed; the rest is reported)", "2:invalid options"})
public final class EvalCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--hr", required = true, paramLabel = "DIR", description = "Ground-truth images.")
    Path hr;

    @Option(names = "--sr", required = true, paramLabel = "DIR", description = "Restored images, named as in --hr.")
    Path sr;

    @Option(names = "--lr", paramLabel = "DIR",
            description = "LR inputs, named as in --hr: their no-reference scores are reported as an extra set, to "
                    + "show what the restoration changed.")
    Path lr;

    @Option(names = {"-o", "--out"}, paramLabel = "PATH",
            description = "Write PATH.md, PATH.csv and PATH.json, or, when PATH is a folder (or ends with /), "
                    + "PATH/report.{md,csv,json}; each atomically.")
    String out;

    @Option(names = "--resize", defaultValue = "error", paramLabel = "POLICY",
            description = "When an SR image and its HR differ in size: error (report the pair), bicubic (resize SR "
                    + "to the HR size, Pillow bicubic) or crop (score the common top-left region) "
                    + "(default: ${DEFAULT-VALUE}).")
    String resize;

    @Option(names = "--max-pixels", defaultValue = "" + ImageFiles.DEFAULT_MAX_PIXELS,
            description = "Refuse (as failed) images with more pixels, before decoding (default: ${DEFAULT-VALUE}).")
    long maxPixels;

    @Mixin
    MetricOptions metricOptions;

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SizePolicy policy = policy();
        FolderPairs pairs = pairs();
        NativeStartup.ensureStarted();
        MetricRegistry.Settings settings = metricOptions.settings();
        MetricSelection selection = metricOptions.select(MetricRegistry.standard(settings));
        ImageFiles.ReadOptions read = ImageFiles.ReadOptions.DEFAULTS.withMaxPixels(maxPixels);
        List<Problem> problems = unmatched(pairs);
        QualityEvaluator evaluator = new QualityEvaluator(selection.metrics(), selection.distributionMetrics(),
                metricOptions.batch());
        List<QualityReport.Section> sections = new ArrayList<>();
        try (ConsoleProgress progress = new ConsoleProgress(err, "eval", pairs.matches().size()
                * (lr == null ? 1L : 2L))) {
            sections.add(evaluator.evaluate("sr", "Restored images in " + sr + " against " + hr + ".",
                    srItems(pairs, policy, read), problems, progress::step));
            if (lr != null) {
                sections.add(evaluator.evaluate("lr", "LR inputs in " + lr + ": no-reference metrics only.",
                        lrItems(pairs, read, problems), problems, progress::step));
            }
        }
        QualityReport report = new QualityReport("xpsr eval", header(settings, policy, pairs), selection.infos(),
                selection.distributionInfos(), selection.unavailable(), sections, problems);
        stdout.print(QualityReportWriter.markdown(report));
        stdout.flush();
        if (out != null) {
            QualityReportWriter.Files files = ReportPaths.resolve(out);
            QualityReportWriter.write(report, files);
            err.println("report written: " + files.markdown() + ", " + files.csv() + ", " + files.json());
        }
        if (!problems.isEmpty()) {
            err.println(problems.size() + " problem(s); see the report's Problems section");
        }
        return problems.isEmpty() ? 0 : 1;
    }

    private SizePolicy policy() {
        try {
            return SizePolicy.parse(resize);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--resize: " + e.getMessage());
        }
    }

    private FolderPairs pairs() {
        try {
            return FolderPairs.match(hr, sr, lr);
        } catch (IOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "cannot list the image folders: "
                    + e.getMessage());
        }
    }

    /** Every file that has no counterpart, and every ambiguous name, as a problem. */
    private List<Problem> unmatched(FolderPairs pairs) {
        List<Problem> problems = new ArrayList<>();
        pairs.onlyHr().forEach(f -> problems.add(Problem.of(f.toString(), "no SR image of the same name in " + sr)));
        pairs.onlySr().forEach(f -> problems.add(Problem.of(f.toString(), "no HR image of the same name in " + hr)));
        pairs.ambiguous().forEach(a -> problems.add(Problem.of(a, "ambiguous name; rename one of the files")));
        if (pairs.matches().isEmpty()) {
            problems.add(Problem.of(hr.toString(), "no image here has a counterpart of the same name in " + sr));
        }
        return problems;
    }

    private List<QualityEvaluator.Item> srItems(FolderPairs pairs, SizePolicy policy, ImageFiles.ReadOptions read) {
        List<QualityEvaluator.Item> items = new ArrayList<>();
        for (FolderPairs.Match m : pairs.matches()) {
            items.add(new QualityEvaluator.Item(m.name(), () -> {
                RgbImage reference = ImageFiles.read(m.hr(), read);
                RgbImage image = ImageFiles.read(m.sr(), read);
                RgbImage[] aligned = policy.align(image, reference, m.sr() + " vs " + m.hr());
                return new QualityEvaluator.Scored(aligned[0], aligned[1]);
            }));
        }
        return items;
    }

    private List<QualityEvaluator.Item> lrItems(FolderPairs pairs, ImageFiles.ReadOptions read,
                                                List<Problem> problems) {
        List<QualityEvaluator.Item> items = new ArrayList<>();
        for (FolderPairs.Match m : pairs.matches()) {
            if (m.lr() == null) {
                problems.add(new Problem("lr", m.hr().toString(), "no LR image of the same name in " + lr));
            } else {
                items.add(new QualityEvaluator.Item(m.name(),
                        () -> new QualityEvaluator.Scored(ImageFiles.read(m.lr(), read), null)));
            }
        }
        return items;
    }

    private Map<String, String> header(MetricRegistry.Settings settings, SizePolicy policy, FolderPairs pairs) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("HR", hr.toString());
        h.put("SR", sr.toString());
        if (lr != null) {
            h.put("LR", lr.toString());
        }
        h.put("pairs matched by name", pairs.matches().size() + " (" + pairs.onlyHr().size() + " HR only, "
                + pairs.onlySr().size() + " SR only, " + pairs.ambiguous().size() + " ambiguous)");
        h.put("size mismatch policy", policy.name().toLowerCase(java.util.Locale.ROOT));
        h.putAll(metricOptions.describe(settings));
        return h;
    }
}
