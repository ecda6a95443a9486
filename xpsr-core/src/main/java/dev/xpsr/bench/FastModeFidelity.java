package dev.xpsr.bench;

import dev.xpsr.io.RgbImage;
import dev.xpsr.pipeline.Prompts;
import dev.xpsr.pipeline.UpscaleOptions;
import dev.xpsr.pipeline.XpsrModels;
import dev.xpsr.pipeline.XpsrPipeline;
import dev.xpsr.scheduler.Sampler;
import dev.xpsr.torch.Placement;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * How far each opt-in fast mode lands from the exact restoration (fp32, 20 DDPM steps) of the same photo with the
 * same seed: DPM-Solver++ 2M and UniPC at 10 steps, and bf16 at 20 steps when a bf16 placement is given, beside the
 * exact restoration with the next seed, the spread DDPM's own noise gives. The bench
 * runs it on full-size networks with random weights ({@link RandomXpsrModels}) at {@code processSize} (4 × the
 * input's side keeps a 64-pixel photo at a 32×32 latent, a quarter of the 512×512 case's work). Random weights give
 * meaningless images, so the figures say how much a mode moves the output of networks of the real size, not how
 * good it looks.
 */
public final class FastModeFidelity {
    /** XPSR's default step count, which the exact restoration and bf16 use. */
    public static final int EXACT_STEPS = 20;
    /** The step count the higher-order samplers are offered at. */
    public static final int FAST_STEPS = 10;

    /** One restoration: its mode, wall time and distance from the exact one (none for the exact one itself). */
    public record Row(String mode, double seconds, ImageDifference difference) {
    }

    private FastModeFidelity() {
    }

    /**
     * @param models the same networks on a placement (made afresh for fp32 and for {@code bf16}; closed here)
     * @param bf16   a bf16 placement to compare too, or null
     * @param log    receives each row as it is measured
     */
    public static List<Row> measure(Function<Placement, XpsrModels> models, RgbImage lr, int processSize, long seed,
                                    Placement bf16, Consumer<Row> log) {
        UpscaleOptions exact = UpscaleOptions.builder().steps(EXACT_STEPS).processSize(processSize).seed(seed)
                .build();
        List<Row> rows = new ArrayList<>();
        RgbImage reference;
        try (XpsrModels fp32 = models.apply(Placement.CPU_FP32)) {
            long t0 = System.nanoTime();
            reference = restore(fp32, lr, exact);
            rows.add(report(log, new Row("fp32, DDPM, " + EXACT_STEPS + " steps (exact)", since(t0), null)));
            // the scale the others are read against: DDPM draws fresh noise at every step, so another seed alone
            // moves the exact restoration this far
            long t1 = System.nanoTime();
            RgbImage reseeded = restore(fp32, lr, exact.toBuilder().seed(seed + 1).build());
            rows.add(report(log, new Row("fp32, DDPM, " + EXACT_STEPS + " steps, seed + 1", since(t1),
                    ImageDifference.of(reference, reseeded))));
            for (Sampler sampler : new Sampler[] {Sampler.DPMPP_2M, Sampler.UNIPC}) {
                long t = System.nanoTime();
                RgbImage fast = restore(fp32, lr, exact.toBuilder().sampler(sampler).steps(FAST_STEPS).build());
                rows.add(report(log, new Row("fp32, " + sampler.id() + ", " + FAST_STEPS + " steps", since(t),
                        ImageDifference.of(reference, fast))));
            }
        }
        if (bf16 != null) {
            try (XpsrModels half = models.apply(bf16)) {
                long t = System.nanoTime();
                RgbImage fast = restore(half, lr, exact);
                rows.add(report(log, new Row(bf16.precision().name().toLowerCase(Locale.ROOT) + ", DDPM, "
                        + EXACT_STEPS + " steps", since(t), ImageDifference.of(reference, fast))));
            }
        }
        return rows;
    }

    private static RgbImage restore(XpsrModels models, RgbImage lr, UpscaleOptions options) {
        return new XpsrPipeline(models).upscale(lr, Prompts.xpsr("a photo", "The image is blurry."), options,
                XpsrPipeline.Observer.NONE).image();
    }

    private static Row report(Consumer<Row> log, Row row) {
        log.accept(row);
        return row;
    }

    private static double since(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
