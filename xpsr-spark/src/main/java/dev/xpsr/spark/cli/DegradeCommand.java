package dev.xpsr.spark.cli;

import dev.xpsr.degrade.DegradationPreset;
import dev.xpsr.degrade.TrainingPairMaker;
import dev.xpsr.degrade.TrainingSetWriter;
import dev.xpsr.spark.DegradeSettings;
import dev.xpsr.spark.SparkDegrade;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code xpsr-spark degrade}: {@link SparkDegrade} from the command line, with {@code xpsr degrade}'s options. */
@Command(name = "degrade", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Make LR/HR training pairs as xpsr degrade does (same layout, same bytes), with the images "
                + "spread over the cluster.",
                "HR_DIR and OUT are local paths (or file: URIs) every executor sees at the same place."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every image was used, or skipped as too small", "1:at least one image failed (listed)",
                "2:invalid options"})
final class DegradeCommand implements Callable<Integer> {
    private static final int LISTED = 20;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "HR_DIR", description = "Folder of HR photos, searched recursively.")
    String hrDir;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT", description = "Output folder.")
    String output;

    @Option(names = "--preset", defaultValue = DegradationPreset.DEFAULT,
            description = "Degradation preset: seesr, realesrgan-x4plus or xpsr-params (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--seed", description = "Base seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--count", description = "Pairs per HR image (default: ${DEFAULT-VALUE}).")
    int count = 1;

    @Option(names = "--dataset-index", paramLabel = "K", description = "XPSR's layout: OUT/dataset_<K+k>/{HR,LR}/.")
    Integer datasetIndex;

    @Option(names = "--crop-size", description = "Side of the HR crop (default: ${DEFAULT-VALUE}).")
    int cropSize = TrainingPairMaker.Options.DEFAULTS.cropSize();

    @Option(names = "--min-pixels", description = "Skip images with fewer pixels (default: ${DEFAULT-VALUE}).")
    long minPixels = TrainingPairMaker.Options.DEFAULTS.minPixels();

    @Option(names = "--min-file-kb", description = "Skip files smaller than this many KiB (default: ${DEFAULT-VALUE}).")
    long minFileKb = TrainingPairMaker.Options.DEFAULTS.minFileBytes() / 1024;

    @Option(names = "--no-flip", description = "Turn off the random horizontal flip.")
    boolean noFlip;

    @Option(names = "--max-pixels", description = "Refuse larger images, before decoding (default: ${DEFAULT-VALUE}).")
    long maxPixels = dev.xpsr.io.ImageFiles.DEFAULT_MAX_PIXELS;

    @Option(names = "--threads", description = "ATen threads per task (default: spark.task.cpus).")
    int threads;

    @Option(names = "--partitions", description = "Partitions of the images (default: 4 per task slot).")
    int partitions;

    @Override
    public Integer call() throws IOException {
        DegradeSettings settings;
        try {
            settings = DegradeSettings.builder(hrDir, output).preset(preset).seed(seed).count(count)
                    .datasetIndex(datasetIndex).cropSize(cropSize).minPixels(minPixels)
                    .minFileBytes(Math.multiplyExact(minFileKb, 1024L)).hflip(!noFlip).maxPixels(maxPixels)
                    .threads(threads).partitions(partitions).build();
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        SparkDegrade.Summary s = SparkDegrade.run(XpsrSpark.session("degrade"), settings);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("pairs written: %d in %.1f s (%.2f pairs/s)%n", s.written(), s.seconds(),
                s.seconds() > 0 ? s.written() / s.seconds() : 0);
        out.printf("pairs already present (kept): %d%n", s.existing());
        out.printf("images skipped: %d%n", s.count(TrainingSetWriter.Status.SKIPPED));
        List<TrainingSetWriter.Outcome> failed = s.outcomes().stream()
                .filter(o -> o.status() == TrainingSetWriter.Status.FAILED).toList();
        out.printf("images failed: %d%n", failed.size());
        failed.stream().limit(LISTED).forEach(o -> out.printf("  %s: %s%n", o.source().file(), o.detail()));
        if (failed.size() > LISTED) {
            out.printf("  ... and %d more%n", failed.size() - LISTED);
        }
        out.flush();
        return failed.isEmpty() ? 0 : 1;
    }
}
