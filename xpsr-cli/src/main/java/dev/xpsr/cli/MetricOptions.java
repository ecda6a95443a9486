package dev.xpsr.cli;

import dev.xpsr.eval.MetricSelection;
import dev.xpsr.metrics.ColorSpace;
import dev.xpsr.metrics.Convention;
import dev.xpsr.metrics.MetricRegistry;
import dev.xpsr.metrics.PretrainedFile;
import dev.xpsr.metrics.WeightOpener;
import dev.xpsr.torch.Placement;
import dev.xpsr.util.BundledData;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The metric options shared by {@code xpsr eval} and {@code xpsr benchmark-quality}, and the metrics they select
 * from the {@link MetricRegistry}: every registry entry (per-image and whole-set) in registry order, or the
 * {@code --metrics} subset; an entry that cannot run is kept with its reason for the report.
 */
public final class MetricOptions {
    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--convention", defaultValue = "basicsr", paramLabel = "NAME",
            description = "PSNR/SSIM convention: basicsr (BasicSR 1.4.2 numpy), basicsr-pt (BasicSR torch), pyiqa "
                    + "(pyiqa 0.1.10), xpsr-test (XPSR's test.py: BT.601 Y, no crop) (default: ${DEFAULT-VALUE}).")
    String convention;

    @Option(names = "--crop-border", defaultValue = "4", paramLabel = "PX",
            description = "Pixels removed at each border before PSNR, SSIM and NIQE; SR papers use the scale, 4 "
                    + "(default: ${DEFAULT-VALUE}; xpsr-test never crops).")
    int cropBorder;

    @Option(names = "--rgb", description = "PSNR/SSIM on the RGB channels instead of the luma (Y) channel.")
    boolean rgb;

    @Option(names = "--y-channel", description = "PSNR/SSIM on the luma (Y) channel (the default).")
    boolean yChannel;

    @Option(names = "--color-space", defaultValue = "yiq", paramLabel = "yiq|ycbcr",
            description = "pyiqa convention only: the luma formula, yiq (pyiqa's default) or ycbcr (BT.601, as "
                    + "OSEDiff's scripts ask for) (default: ${DEFAULT-VALUE}).")
    String colorSpace;

    @Option(names = "--metrics", split = ",", paramLabel = "NAME",
            description = "Only these metrics, comma-separated (default: every metric the registry knows).")
    List<String> metricNames;

    @Option(names = "--weights", paramLabel = "DIR",
            description = "Folder of the network metrics' weight files (.pth or a .safetensors conversion) "
                    + "(default: $TORCH_HOME/hub/checkpoints, else ~/.cache/torch/hub/checkpoints, where torchvision "
                    + "and pyiqa 0.1.10 download them).")
    Path weights;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Folder holding iqa/niqe/ and iqa/brisque/ (default: the repository's fixtures/data, see "
                    + "docs/EVAL.md).")
    Path data;

    @Option(names = "--device", defaultValue = "cpu", description = "Device of the network metrics: cpu, cuda or "
            + "cuda:N (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--batch", defaultValue = "1",
            description = "Images scored per metric call; more can be faster for network metrics on a GPU, and a "
                    + "batched reduction may differ from one image at a time in the last bit (default: "
                    + "${DEFAULT-VALUE}).")
    int batch;

    /** The registry's settings from the options. */
    MetricRegistry.Settings settings() {
        CommandLine cl = spec.commandLine();
        if (rgb && yChannel) {
            throw new CommandLine.ParameterException(cl, "--rgb and --y-channel exclude each other");
        }
        if (cropBorder < 0 || batch < 1) {
            throw new CommandLine.ParameterException(cl, "--crop-border must be at least 0 and --batch at least 1, got "
                    + cropBorder + " and " + batch);
        }
        return new MetricRegistry.Settings(convention(cl), cropBorder, !rgb, colorSpace(cl), dataFolder(),
                weightsFolder(), WeightOpener.standard(), placement(cl));
    }

    /** Loads the chosen metrics of {@code registry}; unknown names are an error naming the known ones. */
    MetricSelection select(MetricRegistry registry) {
        try {
            return MetricSelection.of(registry, metricNames);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--metrics: " + e.getMessage());
        }
    }

    int batch() {
        return batch;
    }

    Path dataFolder() {
        return data != null ? data : BundledData.folder();
    }

    private Path weightsFolder() {
        return weights != null ? weights : PretrainedFile.defaultFolder();
    }

    private Convention convention(CommandLine cl) {
        try {
            return Convention.valueOf(convention.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, "--convention: unknown '" + convention
                    + "'; valid: basicsr, basicsr-pt, pyiqa, xpsr-test");
        }
    }

    private ColorSpace colorSpace(CommandLine cl) {
        try {
            return ColorSpace.valueOf(colorSpace.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, "--color-space: unknown '" + colorSpace
                    + "'; valid: yiq, ycbcr");
        }
    }

    private Placement placement(CommandLine cl) {
        try {
            Placement p = Placement.parse(device, "fp32");
            p.checkAvailable();
            return p;
        } catch (RuntimeException e) {
            throw new CommandLine.ParameterException(cl, "--device " + device + ": " + e.getMessage());
        }
    }
}
