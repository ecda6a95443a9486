package dev.xpsr.cli;

import dev.xpsr.model.ControlNetModel;
import dev.xpsr.model.Sd15Configs;
import dev.xpsr.model.XpsrControlNetModel;
import dev.xpsr.model.XpsrInitialization;
import dev.xpsr.nn.FusionMode;
import dev.xpsr.nn.TextContext;
import dev.xpsr.model.UNet2DConditionModel;
import dev.xpsr.nn.Init;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Torch;
import dev.xpsr.util.ProcessMemory;
import dev.xpsr.util.Stopwatch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.concurrent.Callable;

/**
 * {@code xpsr bench}: times full-size networks built from Stable Diffusion 1.5's real configs with random weights,
 * reporting the median over runs and the process's peak resident memory.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmark full-size networks (SD-1.5 configs, random weights): median time and peak RSS.")
public final class BenchCommand implements Callable<Integer> {
    /** What to time: the SD-1.5 UNet alone, or one XPSR denoising step (ControlNet + UNet). */
    enum Subject { unet, step }

    @Option(names = "--subject", defaultValue = "unet",
            description = "What to time: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Subject subject;

    @Option(names = "--runs", defaultValue = "3", description = "Timed runs (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--warmup", defaultValue = "1", description = "Untimed runs first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--batch", defaultValue = "2",
            description = "Batch size; 2 is the classifier-free-guidance batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--latent", defaultValue = "64",
            description = "Latent side in pixels; 64 is a 512x512 image (default: ${DEFAULT-VALUE}).")
    int latent;

    @Option(names = "--threads", description = "ATen intra-op threads (default: all available cores).")
    Integer threads;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the random weights (default: ${DEFAULT-VALUE}).")
    long seed;

    private final PrintStream out = System.out;

    /** One timed pass, its tensors freed by a scope. */
    private static Runnable pass(XpsrControlNetModel controlNet, UNet2DConditionModel unet, Tensor sample,
                                 Tensor timestep, TextContext ctx, Tensor image) {
        return () -> {
            try (PointerScope scope = new PointerScope()) {
                if (controlNet == null) {
                    unet.forward(sample, timestep, ctx, null, null);
                } else {
                    ControlNetModel.Output res = controlNet.forward(sample, timestep, ctx, image, 1.0).residuals();
                    unet.forward(sample, timestep, ctx, res.down(), res.mid());
                }
            }
        };
    }

    @Override
    public Integer call() {
        if (runs < 1 || warmup < 0 || batch < 1 || latent < 8) {
            throw new IllegalArgumentException("--runs ≥ 1, --warmup ≥ 0, --batch ≥ 1 and --latent ≥ 8 are required");
        }
        NativeStartup.ensureStarted(threads == null ? Runtime.getRuntime().availableProcessors() : threads);
        out.printf("engine: libtorch 2.10 (CPU), %d ATen threads%n", NativeStartup.threads());
        Generator g = Torch.generator(seed);
        long t0 = System.nanoTime();
        UNet2DConditionModel sd = new UNet2DConditionModel(Sd15Configs.unet());
        Init.pytorchDefaults(sd, g);
        XpsrControlNetModel controlNet = null;
        UNet2DConditionModel unet = sd;
        if (subject == Subject.step) {
            controlNet = XpsrInitialization.controlNetFromUnet(sd, FusionMode.PARALLEL, g);
            unet = XpsrInitialization.unetFromSd(sd, g);
            sd = null;
        }
        long params = unet.parameterCount() + (controlNet == null ? 0 : controlNet.parameterCount());
        out.printf("built %s: %,d parameters in %.1f s%n", subject == Subject.step
                ? "XPSR ControlNet + UNet (SD-1.5 sizes)" : "SD-1.5 UNet", params, (System.nanoTime() - t0) / 1e9);
        Tensor sample = Torch.randn(g, batch, 4, latent, latent);
        Tensor timestep = Torch.scalarTensor(951);
        TextContext ctx = new TextContext(Torch.randn(g, batch, 77, 768), Torch.randn(g, batch, 77, 768));
        Tensor image = Torch.randn(g, batch, 3, latent * 8L, latent * 8L);
        double[] times = new double[runs];
        try (AutoCloseable mode = Torch.inferenceMode()) {
            for (int i = -warmup; i < runs; i++) {
                Runnable pass = pass(controlNet, unet, sample, timestep, ctx, image);
                double s = Stopwatch.seconds(pass);
                if (i >= 0) {
                    times[i] = s;
                }
                out.printf("%s run %d: %.2f s%n", i < 0 ? "warm-up" : "timed", i < 0 ? i + warmup + 1 : i + 1, s);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        out.printf("%s, batch %d x 4 x %d x %d, fp32: median %.2f s over %d runs; peak RSS %s%n",
                subject == Subject.step ? "XPSR step (ControlNet + UNet)" : "UNet forward", batch, latent, latent,
                Stopwatch.median(times), runs, ProcessMemory.format(ProcessMemory.peakRssBytes()));
        return 0;
    }
}
