package dev.xpsr.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.io.RgbImage;
import dev.xpsr.torch.ImageTensors;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

/** BasicSR 1.4.2 {@code calculate_psnr/ssim(_pt)} values stored in {@code basicsr_degradations.extra.metrics}. */
class PsnrSsimGoldenTest {
    private static final Logger LOG = LoggerFactory.getLogger(PsnrSsimGoldenTest.class);
    private static final double NUMPY_REL = 1e-6;
    private static final double PT_REL = 1e-5;

    private record Case(String key, Metric metric, double tolerance) {
    }

    @Test
    void basicsrMetricsMatchTheReference() {
        try (GoldenFixture f = GoldenFixture.open("basicsr_degradations")) {
            RgbImage img1 = fromBgr(f, "input.metrics.img1_hwc_bgr_u8");
            RgbImage img2 = fromBgr(f, "input.metrics.img2_hwc_bgr_u8");
            JsonNode expected = f.json("extra").get("metrics");
            Case[] cases = {
                    new Case("calculate_psnr(crop_border=4, input_order=HWC, test_y_channel=True)",
                            Psnr.basicsr(4, true), NUMPY_REL),
                    new Case("calculate_ssim(crop_border=4, input_order=HWC, test_y_channel=True)",
                            Ssim.basicsr(4, true), NUMPY_REL),
                    new Case("calculate_psnr(crop_border=4, input_order=HWC, test_y_channel=False)",
                            Psnr.basicsr(4, false), NUMPY_REL),
                    new Case("calculate_ssim(crop_border=4, input_order=HWC, test_y_channel=False)",
                            Ssim.basicsr(4, false), NUMPY_REL),
                    new Case("calculate_psnr(crop_border=0, input_order=HWC, test_y_channel=True)",
                            Psnr.basicsr(0, true), NUMPY_REL),
                    new Case("calculate_psnr_pt(rgb tensors, crop_border=4, test_y_channel=True)",
                            Psnr.basicsrPt(4, true), PT_REL),
                    new Case("calculate_ssim_pt(rgb tensors, crop_border=4, test_y_channel=True)",
                            Ssim.basicsrPt(4, true), PT_REL),
            };
            for (Case c : cases) {
                JsonNode value = expected.get(c.key());
                assertThat(value).as("extra.metrics['" + c.key() + "']").isNotNull();
                double want = value.asDouble();
                double got = c.metric().score(img1, img2);
                double rel = Math.abs(got - want) / Math.abs(want);
                LOG.info("{}: {} vs {} (rel {})", c.key(), got, want, rel);
                assertThat(rel).as(c.key() + " = " + got + ", reference " + want).isLessThanOrEqualTo(c.tolerance());
            }
        }
    }

    @Test
    void metricsAreSymmetricAndIdenticalImagesScorePerfectly() {
        try (GoldenFixture f = GoldenFixture.open("basicsr_degradations")) {
            RgbImage img1 = fromBgr(f, "input.metrics.img1_hwc_bgr_u8");
            RgbImage img2 = fromBgr(f, "input.metrics.img2_hwc_bgr_u8");
            assertThat(Psnr.basicsr(4, true).score(img1, img1)).isInfinite();
            assertThat(Psnr.basicsrPt(4, true).score(img1, img1)).isCloseTo(80.0, offset(1e-9));
            for (Convention c : Convention.values()) {
                Ssim ssim = switch (c) {
                    case BASICSR -> Ssim.basicsr(4, true);
                    case BASICSR_PT -> Ssim.basicsrPt(4, true);
                    case PYIQA -> Ssim.pyiqa(0, true, ColorSpace.YIQ);
                    case XPSR_TEST -> Ssim.xpsrTest();
                };
                assertThat(ssim.score(img1, img1)).as(c + " ssim of an image with itself").isCloseTo(1.0,
                        offset(1e-12));
                assertThat(ssim.score(img1, img2)).as(c + " symmetry").isCloseTo(ssim.score(img2, img1),
                        offset(1e-12));
            }
        }
    }

    static RgbImage fromBgr(GoldenFixture f, String key) {
        return ImageTensors.fromHwcTensor(f.tensor(key).flip(2));
    }
}
