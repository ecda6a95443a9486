package dev.xpsr.cli;

import dev.xpsr.eval.FolderEvaluation;
import dev.xpsr.eval.MetricSelection;
import dev.xpsr.eval.QualityEvaluator;
import dev.xpsr.eval.QualityReport;
import dev.xpsr.eval.QualityReportWriter;
import dev.xpsr.eval.SizePolicy;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.metrics.MetricRegistry;
import dev.xpsr.torch.NativeStartup;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
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
        FolderEvaluation evaluation = evaluation();
        NativeStartup.ensureStarted();
        MetricRegistry.Settings settings = metricOptions.settings();
        MetricSelection selection = metricOptions.select(MetricRegistry.standard(settings));
        QualityEvaluator evaluator = new QualityEvaluator(selection.metrics(), selection.distributionMetrics(),
                metricOptions.batch());
        QualityReport report;
        try (ConsoleProgress progress = new ConsoleProgress(err, "eval", evaluation.pairs().matches().size()
                * (lr == null ? 1L : 2L))) {
            report = evaluation.report(selection, settings, evaluation.inProcess(evaluator, progress::step));
        }
        return QualityReportWriter.emit(report, out, stdout, err);
    }

    /** The folders matched by name, with the size policy and the pixel limit; a bad value is an option error. */
    private FolderEvaluation evaluation() {
        SizePolicy policy;
        try {
            policy = SizePolicy.parse(resize);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--resize: " + e.getMessage());
        }
        try {
            return FolderEvaluation.match(hr, sr, lr, policy, ImageFiles.ReadOptions.DEFAULTS.withMaxPixels(maxPixels));
        } catch (IOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "cannot list the image folders: "
                    + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-pixels: " + e.getMessage());
        }
    }
}
