package dev.xpsr.pipeline;

import dev.xpsr.golden.Golden;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.golden.ImageCompare;
import dev.xpsr.io.RgbImage;
import dev.xpsr.torch.ImageTensors;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** XPSR {@code wavelet_color_fix.py} against {@code colorfix.safetensors}. */
class ColorFixGoldenTest {
    private static final double TOL = 1e-5;
    /** ±1 allowed on this many channel values: x·255 within float32 rounding of an integer. */
    private static final int MAX_OFF_BY_ONE = 5;

    @Test
    void calcMeanStdUsesUnbiasedVariancePlusEps() {
        try (GoldenFixture f = GoldenFixture.open("colorfix")) {
            ColorFix.MeanStd ms = ColorFix.calcMeanStd(f.tensor("input.content"));
            Golden.assertClose("mean", ms.mean(), f.tensor("output.calc_mean_std.mean"), TOL);
            Golden.assertClose("std", ms.std(), f.tensor("output.calc_mean_std.std"), TOL);
        }
    }

    @Test
    void adaptiveInstanceNormalizationMatches() {
        try (GoldenFixture f = GoldenFixture.open("colorfix")) {
            Tensor out = ColorFix.adaptiveInstanceNormalization(f.tensor("input.content"), f.tensor("input.style"));
            Golden.assertClose("adain", out, f.tensor("output.adaptive_instance_normalization"), TOL);
        }
    }

    @Test
    void waveletBlurMatchesForEachStoredRadius() {
        try (GoldenFixture f = GoldenFixture.open("colorfix")) {
            Tensor content = f.tensor("input.content");
            int checked = 0;
            for (int r = 1; r <= 64; r++) {
                String key = "output.wavelet_blur.r" + r;
                if (f.has(key)) {
                    Golden.assertClose(key, ColorFix.waveletBlur(content, r), f.tensor(key), TOL);
                    checked++;
                }
            }
            assertThat(checked).as("stored radii").isPositive();
        }
    }

    @Test
    void waveletDecompositionHighAndLowMatch() {
        try (GoldenFixture f = GoldenFixture.open("colorfix")) {
            ColorFix.Wavelet w = ColorFix.waveletDecomposition(f.tensor("input.content"));
            Golden.assertClose("high", w.high(), f.tensor("output.wavelet_decomposition.high"), TOL);
            Golden.assertClose("low", w.low(), f.tensor("output.wavelet_decomposition.low"), TOL);
        }
    }

    @Test
    void waveletReconstructionMatches() {
        try (GoldenFixture f = GoldenFixture.open("colorfix")) {
            Tensor out = ColorFix.waveletReconstruction(f.tensor("input.content"), f.tensor("input.style"));
            Golden.assertClose("reconstruction", out, f.tensor("output.wavelet_reconstruction"), TOL);
        }
    }

    @Test
    void adainColorFixOnU8ImagesMatchesPilWrapper() {
        try (GoldenFixture f = GoldenFixture.open("colorfix")) {
            RgbImage target = ImageTensors.fromHwcTensor(f.tensor("input.pil.target_hwc_rgb_u8"));
            RgbImage source = ImageTensors.fromHwcTensor(f.tensor("input.pil.source_hwc_rgb_u8"));
            ImageCompare.assertNearlyExact("adain_color_fix", ColorFix.adainColorFix(target, source),
                    f.tensor("output.pil.adain_color_fix_u8"), MAX_OFF_BY_ONE);
        }
    }

    @Test
    void waveletColorFixOnU8ImagesMatchesPilWrapper() {
        try (GoldenFixture f = GoldenFixture.open("colorfix")) {
            RgbImage target = ImageTensors.fromHwcTensor(f.tensor("input.pil.target_hwc_rgb_u8"));
            RgbImage source = ImageTensors.fromHwcTensor(f.tensor("input.pil.source_hwc_rgb_u8"));
            ImageCompare.assertNearlyExact("wavelet_color_fix", ColorFix.waveletColorFix(target, source),
                    f.tensor("output.pil.wavelet_color_fix_u8"), MAX_OFF_BY_ONE);
        }
    }

    @Test
    void colorFixModesDispatchToTheWrappers() {
        try (GoldenFixture f = GoldenFixture.open("colorfix")) {
            RgbImage target = ImageTensors.fromHwcTensor(f.tensor("input.pil.target_hwc_rgb_u8"));
            RgbImage source = ImageTensors.fromHwcTensor(f.tensor("input.pil.source_hwc_rgb_u8"));
            assertThat(ColorFixMode.ADAIN.apply(target, source))
                    .isEqualTo(ColorFix.adainColorFix(target, source));
            assertThat(ColorFixMode.WAVELET.apply(target, source))
                    .isEqualTo(ColorFix.waveletColorFix(target, source));
            assertThat(ColorFixMode.NONE.apply(target, source)).isSameAs(target);
        }
    }
}
