package dev.xpsr.cli;

import dev.xpsr.api.Method;
import dev.xpsr.api.Progress;
import dev.xpsr.api.ProgressListener;
import dev.xpsr.api.UpscaleRequest;
import dev.xpsr.api.UpscaleResult;
import dev.xpsr.api.Upscaler;
import dev.xpsr.bench.FastModeFidelity;
import dev.xpsr.bench.GemmRate;
import dev.xpsr.bench.RandomXpsrModels;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import dev.xpsr.metrics.PretrainedFile;
import dev.xpsr.model.Sd15Configs;
import dev.xpsr.model.UNet2DConditionModel;
import dev.xpsr.nn.Init;
import dev.xpsr.nn.TextContext;
import dev.xpsr.pipeline.ConditionCache;
import dev.xpsr.pipeline.LatentPreview;
import dev.xpsr.pipeline.PilResize;
import dev.xpsr.pipeline.XpsrModels;
import dev.xpsr.pipeline.XpsrPipeline;
import dev.xpsr.torch.ExactTuning;
import dev.xpsr.torch.Placement;
import dev.xpsr.torch.Profiler;
import dev.xpsr.torch.Torch;
import dev.xpsr.util.BundledData;
import dev.xpsr.util.ProcessMemory;
import dev.xpsr.util.Stopwatch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * {@code xpsr bench}: times full-size networks built from Stable Diffusion 1.5's real configs with random weights,
 * reporting medians over runs and the process's peak resident memory; {@code --subject metrics} times the quality
 * metrics instead, in images per second at 512×512 ({@link MetricsBench}).
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Benchmark full-size networks (SD-1.5 configs, random weights): median time and peak RSS; "
                + "or the quality metrics' images per second at 512x512.")
public final class BenchCommand implements Callable<Integer> {
    private static final int GEMM_SIZE = 4096;

    /** What to time. */
    enum Subject {
        /** one SD-1.5 UNet forward */
        unet,
        /** one XPSR denoising step: ControlNet + UNet on the guidance batch */
        step,
        /** a whole restoration of a real photo through the pipeline */
        upscale,
        /** every quality metric on 512x512 crops of real photos, in images per second */
        metrics,
        /** a float32 4096^3 matrix product: the GEMM rate the networks' GFLOP/s are held against */
        gemm,
        /** the opt-in fast modes against the exact restoration: PSNR and largest difference */
        fidelity
    }

    @Option(names = "--subject", defaultValue = "unet",
            description = "unet (SD-1.5 UNet forward), step (XPSR ControlNet + UNet), upscale (whole pipeline), "
                    + "metrics (images/s of each quality metric at 512x512), gemm (float32 4096^3 product, "
                    + "GFLOP/s) or fidelity (DPM-Solver++ 2M and UniPC at 10 steps, and with --dtype bf16 bf16, "
                    + "against the exact 20-step restoration of an --input-size photo: PSNR and max |diff|) "
                    + "(default: ${DEFAULT-VALUE}).")
    Subject subject;

    @Option(names = "--profile",
            description = "step: after the timed runs, one more pass with the profiler on: time, FLOPs, GFLOP/s "
                    + "and share of the GEMM rate (measured first) per operator kind and block family.")
    boolean profile;

    @Option(names = "--compare", paramLabel = "NAME",
            description = "step: time the pass alternately without and with the exact speed-up NAME ("
                    + "onednn-linear or encode-condition-once), --runs pairs after the warm-up, and report both "
                    + "medians; with --profile, profile a pass each way.")
    String compare;

    @Option(names = "--compare-dtype",
            description = "step: time the pass alternately in fp32 and in --dtype, --runs pairs after a warm-up "
                    + "each way; the weights are converted between the two outside the timed passes (so the fp32 "
                    + "weights are bf16-rounded random numbers, which leaves the time unchanged).")
    boolean compareDtype;

    @Mixin
    PlacementOptions placementOptions;

    @Option(names = "--runs", defaultValue = "3", description = "Timed runs (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--warmup", defaultValue = "1", description = "Untimed runs first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--batch", defaultValue = "2",
            description = "unet/step: batch size; 2 is the classifier-free-guidance batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--latent", defaultValue = "64",
            description = "unet/step: latent side; 64 is a 512x512 image (default: ${DEFAULT-VALUE}).")
    int latent;

    @Option(names = "--input", description = "upscale: LR photo (default: a bundled photo resized to --input-size).")
    Path input;

    @Option(names = "--input-size", defaultValue = "128",
            description = "upscale: LR side in pixels; the output is 4x (default: ${DEFAULT-VALUE}).")
    int inputSize;

    @Option(names = "--steps", defaultValue = "2",
            description = "upscale: denoising steps timed; the 20-step time is estimated from them (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--tile", defaultValue = "320", description = "upscale: latent tile side (default: ${DEFAULT-VALUE}).")
    int tile;

    @Mixin
    VaeTilingOptions vaeTiling;

    @Option(names = "--residency", defaultValue = "sequential",
            description = "upscale: resident (all networks loaded throughout) or sequential (only the running "
                    + "stage's networks loaded) (default: ${DEFAULT-VALUE}).")
    XpsrModels.Residency residency;

    @Option(names = "--metrics", split = ",", paramLabel = "NAME",
            description = "metrics: only these metrics, comma-separated (default: every metric of xpsr eval).")
    List<String> metricNames;

    @Option(names = "--images", paramLabel = "N",
            description = "metrics: 512x512 images scored per pass (default: 4); upscale: images restored in turn by "
                    + "one upscaler, as for a folder, each timed on its own (default: 1).")
    Integer images;

    @Option(names = "--weights", paramLabel = "DIR",
            description = "metrics: folder of the network metrics' weight files; a network metric without its "
                    + "files is timed at full size with random weights (default: as xpsr eval).")
    Path weights;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the random weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Spec
    CommandSpec spec;

    private PrintWriter out;

    @Override
    public Integer call() throws IOException {
        out = spec.commandLine().getOut();
        if (runs < 1 || warmup < 0 || batch < 1 || latent < 8 || steps < 1 || inputSize < 8
                || (images != null && images < 1)) {
            throw new IllegalArgumentException("--runs, --batch, --steps, --images ≥ 1, --warmup ≥ 0, --latent and "
                    + "--input-size ≥ 8");
        }
        ExactTuning tuning = compare == null ? null : speedUpNamed(compare);
        Placement placement = placementOptions.placement();
        if (placement.precision() != Placement.Precision.FP32 && subject != Subject.step && subject != Subject.upscale
                && subject != Subject.fidelity) {
            throw new IllegalArgumentException("--dtype applies to --subject step, upscale and fidelity; " + subject
                    + " runs in fp32");
        }
        if (compareDtype && (tuning != null || placement.precision() == Placement.Precision.FP32)) {
            throw new IllegalArgumentException("--compare-dtype compares fp32 with a --dtype other than fp32, and "
                    + "goes without --compare");
        }
        out.printf("engine: libtorch 2.10 (CPU), %d ATen threads%n", threads.start(1));
        placement.checkAvailable();
        return switch (subject) {
            case unet -> timeUnet();
            case step -> timeStep(tuning, placement);
            case upscale -> timeUpscale(placement);
            case metrics -> timeMetrics();
            case gemm -> timeGemm();
            case fidelity -> measureFidelity(placement);
        };
    }

    private int measureFidelity(Placement placement) throws IOException {
        RgbImage lr = lowResolutionInput();
        out.printf("fast modes against the exact restoration, %dx%d -> %dx%d, full-size random weights, seed %d:%n",
                lr.width(), lr.height(), 4 * lr.width(), 4 * lr.height(), seed);
        FastModeFidelity.measure(p -> RandomXpsrModels.create(seed, XpsrModels.Residency.SEQUENTIAL, p), lr,
                4 * Math.max(lr.width(), lr.height()), seed,
                placement.precision() == Placement.Precision.FP32 ? null : placement,
                row -> out.printf(Locale.ROOT, "%s: %.1f s%s%n", row.mode(), row.seconds(),
                        row.difference() == null ? "" : ", " + row.difference()));
        out.printf("peak RSS %s%n", ProcessMemory.format(ProcessMemory.peakRssBytes()));
        return 0;
    }

    private int timeUnet() {
        Generator g = Torch.generator(seed);
        long t0 = System.nanoTime();
        UNet2DConditionModel unet = new UNet2DConditionModel(Sd15Configs.unet());
        Init.pytorchDefaults(unet, g);
        built("SD-1.5 UNet", unet.parameterCount(), t0);
        Tensor sample = Torch.randn(g, batch, 4, latent, latent);
        Tensor context = Torch.randn(g, batch, 77, 768);
        double median = timed(() -> unet.forward(sample, Torch.scalarTensor(951), context));
        report("UNet forward", Placement.CPU_FP32, median);
        return 0;
    }

    /**
     * One ControlNet + UNet pass in {@code placement}; with {@code tuning}, timed and profiled without and with it;
     * with {@code --compare-dtype}, timed in fp32 and in the placement's precision.
     */
    private int timeStep(ExactTuning tuning, Placement placement) {
        long t0 = System.nanoTime();
        XpsrModels fp32 = RandomXpsrModels.create(seed);
        built("XPSR ControlNet + UNet (SD-1.5 sizes)", fp32.controlNet().parameterCount()
                + fp32.unet().parameterCount(), t0);
        XpsrModels m = fp32.to(placement);
        Generator g = Torch.generator(seed + 1);
        Tensor sample = Torch.randn(g, batch, 4, latent, latent);
        TextContext ctx = new TextContext(Torch.randn(g, batch, 77, 768), Torch.randn(g, batch, 77, 768));
        // the guidance batch holds the same control image in every sample, as the pipeline's does
        long side = latent * (long) m.controlNet().conditioningDownFactor();
        Tensor image = Torch.rand(g, 1, 3, side, side).expand(batch, 3, side, side);
        GemmRate gemmRate = profile ? GemmRate.measure(GEMM_SIZE, runs) : null;
        // one open cache, as the denoising loop holds one: its encoding of the image is computed once
        try (ConditionCache conditions = ConditionCache.open()) {
            Runnable step = stepIn(m, sample, ctx, image);
            if (tuning != null) {
                compared(tuning.id(), on -> {
                    tuning.set(on);
                    return step;
                }, tuning.enabled());
            } else if (compareDtype) {
                Runnable stepFp32 = stepIn(fp32, sample, ctx, image);
                compared(placement.label() + " against fp32", on -> {
                    fp32.to(on ? placement : fp32.placement()); // the same modules, converted in place
                    out.printf("weights in %s: RSS %s%n", on ? placement.label() : "fp32",
                            ProcessMemory.format(ProcessMemory.rssBytes()));
                    return on ? step : stepFp32;
                }, true);
            } else {
                report("XPSR step (ControlNet + UNet)", placement, timed(step));
            }
            if (profile && tuning != null) {
                for (boolean on : new boolean[] {false, true}) {
                    boolean was = tuning.set(on);
                    try {
                        out.printf("profile %s %s:%n", on ? "with" : "without", tuning.id());
                        profiled(step, gemmRate);
                    } finally {
                        tuning.set(was);
                    }
                }
            } else if (profile) {
                profiled(step, gemmRate);
            }
        }
        return 0;
    }

    /** The step of {@link #timeStep} on models {@code m}, its inputs in their placement. */
    private static Runnable stepIn(XpsrModels m, Tensor sample, TextContext ctx, Tensor image) {
        Placement p = m.placement();
        Tensor x = p.place(sample);
        TextContext c = new TextContext(p.place(ctx.text()), p.place(ctx.lowlevel()));
        Tensor control = p.place(image);
        XpsrPipeline pipeline = new XpsrPipeline(m);
        return () -> pipeline.controlledUnet(x, 951, c, control, 1.0);
    }

    private void profiled(Runnable pass, GemmRate gemmRate) {
        try (Profiler p = Profiler.start()) {
            double seconds = timedOnce(pass);
            new ProfileReport(out, seconds, gemmRate).print(p);
        }
    }

    private int timeGemm() {
        GemmRate r = GemmRate.measure(GEMM_SIZE, runs);
        out.printf(Locale.ROOT, "float32 %d^3 product, median of %d runs: torch.mm on the BLAS %.1f GFLOP/s, the "
                + "linear route (oneDNN) %.1f GFLOP/s; GEMM rate %.1f GFLOP/s%n", r.size(), runs, r.blas(),
                r.linear(), r.best());
        return 0;
    }

    private int timeUpscale(Placement placement) throws IOException {
        long t0 = System.nanoTime();
        XpsrModels m = RandomXpsrModels.create(seed, residency, placement);
        built("XPSR models (text encoder, VAE, ControlNet, UNet), " + residency.name().toLowerCase(Locale.ROOT),
                RandomXpsrModels.parameterCount(m), t0);
        RgbImage lr = lowResolutionInput();
        List<Double> stepTimes = new ArrayList<>();
        long[] last = {0};
        ProgressListener stepClock = p -> {
            long now = System.nanoTime();
            if (p.stage() == Progress.Stage.DENOISE && p.step() > 0) {
                stepTimes.add((now - last[0]) / 1e9);
            }
            last[0] = now;
        };
        int count = images == null ? 1 : images;
        UpscaleResult r = null;
        try (Upscaler upscaler = Upscaler.builder(Method.XPSR).models(m).placement(placement).build()) {
            // one upscaler for every image, as a folder run has: resident networks are loaded once for all of them,
            // sequential ones again for each
            for (int i = 1; i <= count; i++) {
                stepTimes.clear();
                r = upscaler.upscale(UpscaleRequest.builder(lr).caption("a photo")
                        .lowlevelPrompt("The image is blurry.").steps(steps).latentTiles(tile, 8)
                        .vaeTiles(vaeTiling.toOptions()).listener(stepClock).build());
                double total = r.seconds();
                double perStep = Stopwatch.median(stepTimes.stream().mapToDouble(Double::doubleValue).toArray());
                double fixed = total - stepTimes.stream().mapToDouble(Double::doubleValue).sum();
                out.printf("%srestored %dx%d -> %dx%d with %d steps in %.1f s: median %.2f s per step, %.1f s "
                                + "outside the loop%n", count > 1 ? "image " + i + ": " : "", lr.width(), lr.height(),
                        r.image().width(), r.image().height(), steps, total, perStep, fixed);
                out.printf("estimated 20-step restoration: %.0f s; peak RSS %s%n", fixed + 20 * perStep,
                        ProcessMemory.format(ProcessMemory.peakRssBytes()));
            }
        }
        out.printf("latent preview (per preview, %dx%d latent): %.3f ms%n", r.image().height() / 8,
                r.image().width() / 8, previewMillis(r.image().height() / 8, r.image().width() / 8));
        return 0;
    }

    /** Median time of one {@link LatentPreview} of a random SD-1.5 latent of the given size. */
    private double previewMillis(int h, int w) {
        try (PointerScope scope = new PointerScope()) {
            Tensor latent = Torch.randn(Torch.generator(seed), 1, 4, h, w);
            double[] ms = new double[200];
            for (int i = 0; i < ms.length; i++) {
                ms[i] = Stopwatch.seconds(() -> LatentPreview.of(latent)) * 1e3;
            }
            return Stopwatch.median(ms);
        }
    }

    private int timeMetrics() throws IOException {
        new MetricsBench(out, this::timed, runs, seed).run(metricNames, images == null ? 4 : images, BundledData.folder(),
                weights != null ? weights : PretrainedFile.defaultFolder());
        return 0;
    }

    private RgbImage lowResolutionInput() throws IOException {
        if (input != null) {
            return ImageFiles.read(input);
        }
        Path photo = Path.of(System.getProperty("xpsr.data", "fixtures/data")).resolve("images/hr/skimage_astronaut.png");
        return PilResize.resize(ImageFiles.read(photo), inputSize, inputSize);
    }

    private void built(String what, long parameters, long t0) {
        out.printf("built %s: %,d parameters in %.1f s; RSS %s (peak so far %s)%n", what, parameters,
                (System.nanoTime() - t0) / 1e9, ProcessMemory.format(ProcessMemory.rssBytes()),
                ProcessMemory.format(ProcessMemory.peakRssBytes()));
    }

    /**
     * Times the pass that {@code switchTo} readies (untimed) for off and for on, alternately (off first in each
     * pair), after {@code --warmup} runs each way, and prints the medians of each; leaves the switch at
     * {@code restore}.
     */
    private void compared(String what, Function<Boolean, Runnable> switchTo, boolean restore) {
        double[] off = new double[runs];
        double[] on = new double[runs];
        try {
            for (int i = 0; i < warmup; i++) {
                double without = timedOnce(switchTo.apply(false));
                out.printf(Locale.ROOT, "warm-up run %d: without %.3f s, with %.3f s%n", i + 1, without,
                        timedOnce(switchTo.apply(true)));
            }
            for (int i = 0; i < runs; i++) {
                off[i] = timedOnce(switchTo.apply(false));
                on[i] = timedOnce(switchTo.apply(true));
                out.printf(Locale.ROOT, "pair %d: without %s %.3f s, with %.3f s%n", i + 1, what, off[i], on[i]);
            }
        } finally {
            switchTo.apply(restore);
        }
        double before = Stopwatch.median(off);
        double after = Stopwatch.median(on);
        out.printf(Locale.ROOT, "%s: median %.2f s without, %.2f s with (x%.3f) over %d pairs; peak RSS %s%n",
                what, before, after, after / before, runs, ProcessMemory.format(ProcessMemory.peakRssBytes()));
    }

    /** The exact speed-up {@code --compare} names. */
    private static ExactTuning speedUpNamed(String name) {
        try {
            return ExactTuning.parse(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--compare: " + e.getMessage(), e);
        }
    }

    /** Seconds of one pass in inference mode and its own scope. */
    private static double timedOnce(Runnable pass) {
        try (AutoCloseable mode = Torch.inferenceMode(); PointerScope scope = new PointerScope()) {
            return Stopwatch.seconds(pass);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Median seconds of {@code runs} timed passes after {@code warmup} untimed ones, each in its own scope. */
    private double timed(Runnable pass) {
        double[] times = new double[runs];
        for (int i = -warmup; i < runs; i++) {
            double s = timedOnce(pass);
            if (i >= 0) {
                times[i] = s;
            }
            out.printf("%s run %d: %.3f s%n", i < 0 ? "warm-up" : "timed", i < 0 ? i + warmup + 1 : i + 1, s);
        }
        return Stopwatch.median(times);
    }

    private void report(String what, Placement placement, double median) {
        out.printf("%s, batch %d x 4 x %d x %d, %s: median %.2f s over %d runs; peak RSS %s%n", what, batch, latent,
                latent, placement.label(), median, runs, ProcessMemory.format(ProcessMemory.peakRssBytes()));
    }
}
