package dev.xpsr.cli;

import dev.xpsr.api.BatchUpscaler;
import dev.xpsr.api.Method;
import dev.xpsr.api.MethodUnavailableException;
import dev.xpsr.api.Progress;
import dev.xpsr.api.Upscaler;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.pipeline.UpscaleOptions;
import dev.xpsr.util.ProcessMemory;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code xpsr upscale}: restoration of image files (×4 by default, any integer scale or an explicit size) with XPSR
 * or a baseline method, through {@link Upscaler}.
 */
@Command(name = "upscale", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Restore degraded photos (x4, or --scale / --size) with XPSR (Stable Diffusion 1.5 + XPSR "
                + "ControlNet) or a baseline.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every image was written (or skipped as existing)", "1:at least one image failed",
                "2:invalid options, or a method whose files are missing or cannot be loaded"})
public final class UpscaleCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "INPUT", description = "Image files or folders.")
    List<Path> inputs;

    @Option(names = {"-o", "--output"}, required = true, description = "Output folder (created if missing).")
    Path output;

    @Option(names = "--method", defaultValue = "xpsr",
            description = "xpsr, realesrgan-x4plus, rdn-slim, rdn-medium, bicubic-pil or bicubic-matlab (default: "
                    + "${DEFAULT-VALUE}; the baselines need no prompts and ignore the XPSR settings).")
    String method;

    @Mixin
    BaselineModelsOption baselineModels;

    @Mixin
    XpsrModelOptions models;

    @Mixin
    PlacementOptions placement;

    @Mixin
    PromptOptions prompts;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    ThreadsOption threads;

    @Option(names = {"-r", "--recursive"}, description = "Descend into sub-folders of folder inputs.")
    boolean recursive;

    @Option(names = "--skip-existing", description = "Skip images whose output file exists.")
    boolean skipExisting;

    @Option(names = "--max-pixels", defaultValue = "64000000",
            description = "Refuse inputs with more pixels, before decoding (default: ${DEFAULT-VALUE}).")
    long maxPixels;

    private final PrintStream out = System.out;
    private final PrintStream err = System.err;

    @Override
    public Integer call() throws IOException {
        threads.start(1);
        Method chosen = Method.parse(method);
        UpscaleOptions options = sampling.options();
        List<Path> files = BatchUpscaler.collectInputs(inputs, recursive);
        if (files.isEmpty()) {
            err.println("xpsr upscale: no images found in " + inputs);
            return 2;
        }
        Files.createDirectories(output);
        long t0 = System.nanoTime();
        Upscaler upscaler;
        try (DownloadProgress downloads = new DownloadProgress(err)) {
            upscaler = models.configure(Upscaler.builder(chosen), placement.placement(), downloads)
                    .promptSources(prompts.highlevel(), prompts.lowlevel())
                    .baselineModels(baselineModels.folder()).build();
        } catch (MethodUnavailableException e) {
            err.println("xpsr upscale: " + e.getMessage());
            return 2;
        }
        try (upscaler) {
            out.printf("%s ready in %.1f s (%s%s)%n", chosen.id(), (System.nanoTime() - t0) / 1e9,
                    upscaler.placement(), upscaler.controlNetLayout().map(l -> "; " + l.describe()).orElse(""));
            BatchUpscaler batch = new BatchUpscaler(upscaler, b -> prompts.apply(b.from(options)),
                    ImageFiles.ReadOptions.DEFAULTS.withMaxPixels(maxPixels));
            List<BatchUpscaler.Outcome> outcomes;
            try (ProgressListener progress = new ProgressListener()) {
                outcomes = batch.run(files, roots(files), output, skipExisting, progress);
            }
            return summarize(outcomes);
        }
    }

    /** Each file found inside a folder input keeps its path relative to that folder. */
    private Map<Path, Path> roots(List<Path> files) {
        Map<Path, Path> roots = new HashMap<>();
        for (Path f : files) {
            for (Path in : inputs) {
                if (Files.isDirectory(in) && f.startsWith(in)) {
                    roots.put(f, in);
                }
            }
        }
        return roots;
    }

    private int summarize(List<BatchUpscaler.Outcome> outcomes) {
        long written = outcomes.stream().filter(o -> o.status() == BatchUpscaler.Status.WRITTEN).count();
        long skipped = outcomes.stream().filter(o -> o.status() == BatchUpscaler.Status.SKIPPED).count();
        List<BatchUpscaler.Outcome> failed = outcomes.stream()
                .filter(o -> o.status() == BatchUpscaler.Status.FAILED).toList();
        double seconds = outcomes.stream().filter(o -> o.status() == BatchUpscaler.Status.WRITTEN)
                .mapToDouble(BatchUpscaler.Outcome::seconds).sum();
        out.printf("%d written, %d skipped, %d failed; %s per image; peak memory %s%n", written, skipped,
                failed.size(), written == 0 ? "n/a" : String.format("%.1f s", seconds / written),
                ProcessMemory.format(ProcessMemory.peakRssBytes()));
        for (BatchUpscaler.Outcome o : failed) {
            err.println("failed: " + o.message());
        }
        return failed.isEmpty() ? 0 : 1;
    }

    /** A progress bar over the steps of each image, with the ETA. */
    private final class ProgressListener implements BatchUpscaler.Listener, AutoCloseable {
        private ProgressBar bar;

        @Override
        public void imageStarted(Path input, int index, int total) {
            out.printf("[%d/%d] %s%n", index + 1, total, input);
        }

        @Override
        public void progress(Progress p) {
            if (bar == null) {
                bar = new ProgressBarBuilder().setTaskName(p.stage() == Progress.Stage.RESTORE ? "restore" : "denoise")
                        .setInitialMax(p.total()).setStyle(ProgressBarStyle.ASCII).setUnit(" steps", 1).showSpeed()
                        .build();
            }
            bar.stepTo(p.step());
        }

        @Override
        public void imageFinished(BatchUpscaler.Outcome outcome) {
            close();
            switch (outcome.status()) {
                case WRITTEN -> out.printf("  -> %s (%.1f s%s)%n", outcome.output(), outcome.seconds(),
                        outcome.result().flatMap(r -> r.prompts()).map(p -> "; prompts: " + p.source()).orElse(""));
                case SKIPPED -> out.printf("  skipped %s: %s%n", outcome.input(), outcome.message());
                case FAILED -> err.printf("  failed: %s%n", outcome.message());
            }
        }

        @Override
        public void close() {
            if (bar != null) {
                bar.close();
                bar = null;
            }
        }
    }
}
