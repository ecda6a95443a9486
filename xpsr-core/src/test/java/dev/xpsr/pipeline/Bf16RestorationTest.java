package dev.xpsr.pipeline;

import dev.xpsr.bench.ImageDifference;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.io.RgbImage;
import dev.xpsr.torch.Placement;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bf16 fast mode against the exact fp32 restoration, on the pipeline fixture's tiny models, input, prompts and
 * test.py arguments: the same seed, so the two differ only by bf16 rounding. Emulated bf16 is allowed so that the
 * comparison runs on every CPU (native and emulated bf16 round alike; only their speed differs).
 */
class Bf16RestorationTest {
    /**
     * Lowest accepted PSNR of bf16 against fp32: 47.9 dB (the fixture's steps) and 49.2 dB (20 steps) were
     * measured on this fixture (docs/PERFORMANCE.md); 13 dB less (20 times the squared error) leaves room for other
     * fixtures and CPUs and still fails when bf16 breaks the restoration rather than rounding it.
     */
    private static final double MIN_PSNR_DB = 35;
    /** Largest accepted difference of one 8-bit value: 7 and 5 were measured, an eighth of the range fails. */
    private static final int MAX_ABS_DIFFERENCE = 31;
    private static final String FIXTURE = "xpsr_pipeline_tiny";

    @Test
    void bf16RestorationStaysCloseToFp32AtTheFixturesSteps() throws Exception {
        try (GoldenFixture f = GoldenFixture.open(FIXTURE)) {
            assertClose(f, GoldenPipeline.options(f));
        }
    }

    @Test
    void bf16RestorationStaysCloseToFp32AtTheDefaultSteps() throws Exception {
        try (GoldenFixture f = GoldenFixture.open(FIXTURE)) {
            assertClose(f, GoldenPipeline.options(f).toBuilder().steps(UpscaleOptions.DEFAULTS.steps()).build());
        }
    }

    private static void assertClose(GoldenFixture f, UpscaleOptions options) {
        RgbImage exact = restore(f, Placement.CPU_FP32, options);
        RgbImage fast = restore(f, Placement.parse("cpu", "bf16").allowingEmulatedBf16(), options);
        ImageDifference d = ImageDifference.of(exact, fast);
        System.out.printf("bf16 vs fp32 restoration on %s (%dx%d, %d steps): %s%n", FIXTURE, exact.width(),
                exact.height(), options.steps(), d);
        assertThat(d.psnr()).as(d.toString()).isGreaterThanOrEqualTo(MIN_PSNR_DB);
        assertThat(d.maxAbs()).as(d.toString()).isLessThanOrEqualTo(MAX_ABS_DIFFERENCE);
    }

    private static RgbImage restore(GoldenFixture f, Placement placement, UpscaleOptions options) {
        try {
            XpsrPipeline pipeline = new XpsrPipeline(GoldenPipeline.models(f).to(placement));
            return pipeline.upscale(GoldenPipeline.lowResolutionInput(f), GoldenPipeline.prompts(f), options,
                    XpsrPipeline.Observer.NONE).image();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
