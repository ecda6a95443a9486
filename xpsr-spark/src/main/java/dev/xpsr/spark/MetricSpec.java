package dev.xpsr.spark;

import dev.xpsr.eval.MetricSelection;
import dev.xpsr.metrics.ColorSpace;
import dev.xpsr.metrics.Convention;
import dev.xpsr.metrics.MetricRegistry;
import dev.xpsr.metrics.WeightOpener;
import dev.xpsr.torch.Placement;

import java.io.Serial;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The metrics of an eval job as {@code xpsr eval}'s metric options choose them, in a form that travels to the
 * executors, where each task loads them from the registry itself. The data and weight folders must be at the same
 * path on every executor.
 *
 * @param dataDir    folder holding {@code iqa/niqe/} and {@code iqa/brisque/}
 * @param weightsDir folder of the network metrics' weight files
 * @param device     cpu, cuda (the task's GPU, {@link TaskDevice}) or cuda:N
 * @param names      the metrics to run, or empty for every one the registry knows
 * @param batch      images scored per metric call
 */
record MetricSpec(Convention convention, int cropBorder, boolean yChannel, ColorSpace colorSpace, String dataDir,
                  String weightsDir, String device, List<String> names, int batch) implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    MetricSpec {
        Objects.requireNonNull(convention, "convention");
        Objects.requireNonNull(colorSpace, "colorSpace");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(weightsDir, "weightsDir");
        names = List.copyOf(names);
        if (cropBorder < 0 || batch < 1) {
            throw new IllegalArgumentException("crop border must be at least 0 and batch at least 1, got "
                    + cropBorder + " and " + batch);
        }
        Placement.parse(device, "fp32"); // fails here, on the driver, naming a bad device
    }

    /** The registry's settings, with the networks on {@code onDevice}. */
    MetricRegistry.Settings settings(String onDevice) {
        return new MetricRegistry.Settings(convention, cropBorder, yChannel, colorSpace, Path.of(dataDir),
                Path.of(weightsDir), WeightOpener.standard(), Placement.parse(onDevice, "fp32"));
    }

    /**
     * Loads the chosen metrics on {@code onDevice}.
     *
     * @throws IllegalArgumentException for a name the registry does not know
     */
    MetricSelection select(String onDevice) {
        return MetricSelection.of(MetricRegistry.standard(settings(onDevice)), names);
    }

    /** What one executor task loads: this spec on its resolved device. */
    record OnDevice(MetricSpec spec, String device) {
        MetricSelection select() {
            return spec.select(device);
        }
    }
}
