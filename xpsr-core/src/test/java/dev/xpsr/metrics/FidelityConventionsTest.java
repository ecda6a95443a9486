package dev.xpsr.metrics;

import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.io.RgbImage;
import dev.xpsr.torch.ImageTensors;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

/**
 * pyiqa 0.1.10 and XPSR {@code test.py} conventions (no golden values exist for them): cross-checked against the
 * BasicSR golden where the formulas coincide, and against a direct per-pixel evaluation of the reference formulas.
 */
class FidelityConventionsTest {
    /** BasicSR's {@code calculate_psnr_pt} on the pair, as the fixture's reference computed it. */
    private static final String BASICSR_PT_PSNR_Y = "calculate_psnr_pt(rgb tensors, crop_border=4, test_y_channel=True)";

    private static RgbImage[] pair() {
        try (GoldenFixture f = GoldenFixture.open("basicsr_degradations")) {
            return new RgbImage[] {PsnrSsimGoldenTest.fromBgr(f, "input.metrics.img1_hwc_bgr_u8"),
                    PsnrSsimGoldenTest.fromBgr(f, "input.metrics.img2_hwc_bgr_u8")};
        }
    }

    @Test
    void pyiqaPsnryWithYcbcrEqualsBasicsrPtUpToFloat32() {
        RgbImage[] p = pair();
        double basicsrPt;
        try (GoldenFixture f = GoldenFixture.open("basicsr_degradations")) {
            basicsrPt = f.json("extra").required("metrics").required(BASICSR_PT_PSNR_Y).asDouble();
        }
        // same formula (BT.601 Y on [0, 1], eps 1e-8); pyiqa keeps the MSE in float32
        assertThat(Psnr.pyiqa(4, true, ColorSpace.YCBCR).score(p[0], p[1])).isCloseTo(basicsrPt, offset(1e-4));
        // the README's tolerance for the _pt versions: their float32 matrix products round differently per BLAS
        assertThat(Psnr.basicsrPt(4, true).score(p[0], p[1])).isCloseTo(basicsrPt, offset(1e-5 * basicsrPt));
    }

    @Test
    void pyiqaPsnrOnRgbIsTheFloat32MseOfTheRgbValues() {
        RgbImage[] p = pair();
        double mse = 0;
        int n = 0;
        for (int y = 0; y < p[0].height(); y++) {
            for (int x = 0; x < p[0].width(); x++) {
                for (int c = 0; c < 3; c++) {
                    double d = p[0].get(x, y, c) / 255.0 - p[1].get(x, y, c) / 255.0;
                    mse += d * d;
                    n++;
                }
            }
        }
        double want = 10 * Math.log10(1 / (mse / n + 1e-8));
        assertThat(Psnr.pyiqa(0, false, ColorSpace.YIQ).score(p[0], p[1])).isCloseTo(want, offset(1e-4));
        assertThat(Psnr.pyiqa(0, false, ColorSpace.YIQ).name()).isEqualTo("psnr-rgb");
    }

    @Test
    void pyiqaSsimMatchesADirectEvaluationOfItsFormula() {
        RgbImage[] p = pair();
        for (ColorSpace cs : ColorSpace.values()) {
            double[] a = plane(Luma.pyiqaY(ImageTensors.toTensor(p[0]), cs, 255));
            double[] b = plane(Luma.pyiqaY(ImageTensors.toTensor(p[1]), cs, 255));
            assertRoundedUpToFloat32Ties(cs + " luma of image 1", a, lumaPlane(p[0], cs));
            assertRoundedUpToFloat32Ties(cs + " luma of image 2", b, lumaPlane(p[1], cs));
            double want = directSsim(a, b, p[0].width(), p[0].height());
            assertThat(Ssim.pyiqa(0, true, cs).score(p[0], p[1])).as(cs.name()).isCloseTo(want, offset(1e-9));
        }
    }

    @Test
    void xpsrTestSsimIsPyiqaSsimOnTheRoundedBt601Y() {
        RgbImage[] p = pair();
        double[] a = plane(Torch.mul(Luma.ycbcrPtY(ImageTensors.toTensor(p[0])).to(ScalarType.Double), 255).round());
        double[] b = plane(Torch.mul(Luma.ycbcrPtY(ImageTensors.toTensor(p[1])).to(ScalarType.Double), 255).round());
        assertRoundedUpToFloat32Ties("rgb2ycbcr_pt Y of image 1", a, xpsrY(p[0]));
        assertRoundedUpToFloat32Ties("rgb2ycbcr_pt Y of image 2", b, xpsrY(p[1]));
        double want = directSsim(a, b, p[0].width(), p[0].height());
        assertThat(Ssim.xpsrTest().score(p[0], p[1])).isCloseTo(want, offset(1e-9));
        // the same Y as pyiqa's YCbCr option up to float32 rounding of the matrix product
        assertThat(Ssim.xpsrTest().score(p[0], p[1])).isCloseTo(Ssim.pyiqa(0, true, ColorSpace.YCBCR)
                .score(p[0], p[1]), offset(1e-4));
        assertThat(Psnr.xpsrTest().score(p[0], p[1])).isCloseTo(Psnr.basicsrPt(0, true).score(p[0], p[1]),
                offset(1e-9));
    }

    @Test
    void batchesOfMixedSizesScoreLikeSingleImages() {
        RgbImage[] p = pair();
        // a smaller pair cut from the fixture's images (about two thirds of their sides)
        int w = p[0].width() * 2 / 3;
        int h = p[0].height() * 2 / 3;
        RgbImage small1 = p[0].crop(3, 2, w, h);
        RgbImage small2 = p[1].crop(3, 2, w, h);
        for (Metric m : List.<Metric>of(Psnr.basicsr(4, true), Ssim.pyiqa(0, true, ColorSpace.YIQ),
                Psnr.pyiqa(2, false, ColorSpace.YIQ), Ssim.basicsrPt(1, false))) {
            double[] batch = m.scores(List.of(p[0], small1, p[1]), List.of(p[1], small2, p[0]));
            assertThat(batch[0]).as(m.name()).isEqualTo(m.score(p[0], p[1]));
            assertThat(batch[1]).as(m.name()).isEqualTo(m.score(small1, small2));
            assertThat(batch[2]).as(m.name()).isEqualTo(m.score(p[1], p[0]));
        }
    }

    @Test
    void mismatchedOrMissingReferencesAreRefusedClearly() {
        RgbImage[] p = pair();
        assertThatThrownBy(() -> Psnr.basicsr(0, true).score(p[0], p[1].crop(0, 0, 10, 10)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("same size");
        assertThatThrownBy(() -> Ssim.basicsr(0, true).score(p[0], null))
                .hasMessageContaining("needs a reference");
        // a crop border that leaves less than the 11x11 window on the shorter side
        int border = (Math.min(p[0].width(), p[0].height()) - 9) / 2;
        assertThatThrownBy(() -> Ssim.basicsr(border, true).score(p[0], p[1]))
                .hasMessageContaining("at least 11x11");
    }

    private static double[] plane(Tensor y) {
        return Torch.toDoubles(y.to(ScalarType.Double));
    }

    /**
     * {@code rounded} (the port's plane) is {@code unrounded} (the formula evaluated here) rounded, except where the
     * formula lands within float32 noise of a .5 tie: there the order of the float32 products decides (the port
     * multiplies by a 3×3 matrix as the reference does, this test sums one term after the other).
     */
    private static void assertRoundedUpToFloat32Ties(String what, double[] rounded, double[] unrounded) {
        assertThat(rounded).as(what).hasSameSizeAs(unrounded);
        int ties = 0;
        for (int i = 0; i < rounded.length; i++) {
            if (rounded[i] != Math.rint(unrounded[i])) {
                double fraction = unrounded[i] - Math.floor(unrounded[i]);
                assertThat(Math.abs(fraction - 0.5)).as("%s pixel %d: %s vs %s", what, i, rounded[i], unrounded[i])
                        .isLessThan(1e-4);
                ties++;
            }
        }
        System.out.printf("%s: %d of %d values rounded the other way at a float32 tie%n", what, ties, rounded.length);
    }

    /** pyiqa {@code to_y_channel(x, 255, cs)}: float32 luma ×255, before rounding (as doubles). */
    private static double[] lumaPlane(RgbImage img, ColorSpace cs) {
        double[] out = new double[(int) img.pixelCount()];
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < img.width(); x++) {
                float r = img.get(x, y, 0) / 255f;
                float g = img.get(x, y, 1) / 255f;
                float b = img.get(x, y, 2) / 255f;
                float v = cs == ColorSpace.YIQ ? r * 0.299f + g * 0.587f + b * 0.114f
                        : (r * 65.481f + g * 128.553f + b * 24.966f + 16f) / 255f;
                out[y * img.width() + x] = v * 255f;
            }
        }
        return out;
    }

    /** XPSR's {@code rgb2ycbcr_pt} Y in float32, cast to float64, ×255 (pyiqa's ssim then rounds it). */
    private static double[] xpsrY(RgbImage img) {
        double[] out = new double[(int) img.pixelCount()];
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < img.width(); x++) {
                float v = (img.get(x, y, 0) / 255f * 65.481f + img.get(x, y, 1) / 255f * 128.553f
                        + img.get(x, y, 2) / 255f * 24.966f + 16f) / 255f;
                out[y * img.width() + x] = (double) v * 255;
            }
        }
        return out;
    }

    /** pyiqa's {@code ssim()} evaluated pixel by pixel: valid 11×11 window, relu on cs, mean of the map. */
    private static double directSsim(double[] a, double[] b, int w, int h) {
        float[] win = GaussianWindows.pyiqaFspecial(11, 1.5);
        double c1 = (0.01 * 255) * (0.01 * 255);
        double c2 = (0.03 * 255) * (0.03 * 255);
        double sum = 0;
        int count = 0;
        for (int y = 0; y + 11 <= h; y++) {
            for (int x = 0; x + 11 <= w; x++) {
                double m1 = 0, m2 = 0, s11 = 0, s22 = 0, s12 = 0;
                for (int i = 0; i < 11; i++) {
                    for (int j = 0; j < 11; j++) {
                        double wt = win[i * 11 + j];
                        double u = a[(y + i) * w + x + j];
                        double v = b[(y + i) * w + x + j];
                        m1 += wt * u;
                        m2 += wt * v;
                        s11 += wt * u * u;
                        s22 += wt * v * v;
                        s12 += wt * u * v;
                    }
                }
                double cs = Math.max(0, (2 * (s12 - m1 * m2) + c2) / ((s11 - m1 * m1) + (s22 - m2 * m2) + c2));
                sum += (2 * m1 * m2 + c1) / (m1 * m1 + m2 * m2 + c1) * cs;
                count++;
            }
        }
        return sum / count;
    }
}
