package dev.xpsr.spark.cli;

import dev.xpsr.eval.QualityReport;
import dev.xpsr.eval.QualityReportWriter;
import dev.xpsr.eval.SizePolicy;
import dev.xpsr.metrics.ColorSpace;
import dev.xpsr.metrics.Convention;
import dev.xpsr.spark.EvalSettings;
import dev.xpsr.spark.SparkEval;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code xpsr-spark eval}: {@link SparkEval} from the command line, with {@code xpsr eval}'s options. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Score restored images against their ground truth as xpsr eval does (the same report), with "
                + "the images scored on the cluster.",
                "The folders, --weights and --data are local paths every executor sees at the same place."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every file was scored", "1:a file failed, had no counterpart or a metric failed on it",
                "2:invalid options"})
final class EvalCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--hr", required = true, paramLabel = "DIR", description = "Ground-truth images.")
    String hr;

    @Option(names = "--sr", required = true, paramLabel = "DIR", description = "Restored images, named as in --hr.")
    String sr;

    @Option(names = "--lr", paramLabel = "DIR", description = "LR inputs, named as in --hr (no-reference scores).")
    String lr;

    @Option(names = {"-o", "--out"}, paramLabel = "PATH",
            description = "Write PATH.{md,csv,json}, or PATH/report.{md,csv,json} for a folder.")
    String out;

    @Option(names = "--resize", defaultValue = "error",
            description = "error, bicubic or crop (default: ${DEFAULT-VALUE}).")
    String resize;

    @Option(names = "--max-pixels", description = "Refuse larger images, before decoding (default: ${DEFAULT-VALUE}).")
    long maxPixels = dev.xpsr.io.ImageFiles.DEFAULT_MAX_PIXELS;

    @Option(names = "--convention", defaultValue = "basicsr",
            description = "basicsr, basicsr-pt, pyiqa or xpsr-test (default: ${DEFAULT-VALUE}).")
    String convention;

    @Option(names = "--crop-border", defaultValue = "4", description = "Border removed before PSNR, SSIM, NIQE "
            + "(default: ${DEFAULT-VALUE}).")
    int cropBorder;

    @Option(names = "--rgb", description = "PSNR/SSIM on RGB instead of the luma channel.")
    boolean rgb;

    @Option(names = "--color-space", defaultValue = "yiq", description = "pyiqa's luma: yiq or ycbcr "
            + "(default: ${DEFAULT-VALUE}).")
    String colorSpace;

    @Option(names = "--metrics", split = ",", paramLabel = "NAME", description = "Only these metrics.")
    List<String> metrics;

    @Option(names = "--weights", paramLabel = "DIR", description = "Folder of the network metrics' weight files "
            + "(default: TORCH_HOME's hub/checkpoints).")
    String weights;

    @Option(names = "--data", paramLabel = "DIR", description = "Folder holding iqa/niqe/ and iqa/brisque/.")
    String data;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda (the task's GPU) or cuda:N "
            + "(default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--batch", defaultValue = "1", description = "Images per metric call (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--threads", description = "ATen threads per task (default: spark.task.cpus).")
    int threads;

    @Option(names = "--partitions", description = "Partitions of each set (default: 4 per task slot).")
    int partitions;

    @Override
    public Integer call() throws IOException {
        EvalSettings settings = settings();
        QualityReport report = SparkEval.run(XpsrSpark.session("eval"), settings);
        return QualityReportWriter.emit(report, out, spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    private EvalSettings settings() {
        try {
            EvalSettings.Builder b = EvalSettings.builder(hr, sr).lr(lr).resize(SizePolicy.parse(resize))
                    .maxPixels(maxPixels).convention(Convention.valueOf(convention.trim().toUpperCase(Locale.ROOT)
                            .replace('-', '_'))).cropBorder(cropBorder).yChannel(!rgb)
                    .colorSpace(ColorSpace.valueOf(colorSpace.trim().toUpperCase(Locale.ROOT))).metrics(metrics)
                    .device(device).batch(batch).threads(threads).partitions(partitions);
            if (weights != null) {
                b.weights(weights);
            }
            if (data != null) {
                b.data(data);
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
