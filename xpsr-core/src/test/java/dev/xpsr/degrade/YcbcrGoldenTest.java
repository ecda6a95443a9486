package dev.xpsr.degrade;

import dev.xpsr.golden.Golden;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

class YcbcrGoldenTest {
    private static final Logger LOG = LoggerFactory.getLogger(YcbcrGoldenTest.class);
    private static final double TOL = 1e-5;
    private static final int MAX_U8_FLIPS = 3;

    @Test
    void colourConversionsMatchBasicsrColorUtil() {
        try (GoldenFixture f = GoldenFixture.open("basicsr_degradations")) {
            Tensor img = f.tensor("input.metrics.img1_hwc_bgr_u8");
            Tensor unit = Torch.div(img, 255);
            Tensor yU8 = Ycbcr.rgbToYcbcrU8(img, true);
            assertThat(yU8.scalar_type().intern()).isEqualTo(ScalarType.Byte);
            Tensor expectedU8 = f.tensor("output.color.rgb2ycbcr_y_u8");
            double u8Diff = Golden.assertClose("rgb2ycbcr y u8", yU8.to(expectedU8.scalar_type()), expectedU8, 1);
            long flips = yU8.to(expectedU8.scalar_type()).ne(expectedU8).sum().item_long();
            assertThat(flips).as("rgb2ycbcr u8 pixels off by one").isLessThanOrEqualTo(MAX_U8_FLIPS);
            double y = Golden.assertClose("rgb2ycbcr y f32", Ycbcr.rgbToYcbcr(unit, true),
                    f.tensor("output.color.rgb2ycbcr_y_f32"), TOL);
            double full = Golden.assertClose("rgb2ycbcr full f32", Ycbcr.rgbToYcbcr(unit, false),
                    f.tensor("output.color.rgb2ycbcr_full_f32"), TOL);
            double bgr = Golden.assertClose("bgr2ycbcr y f32", Ycbcr.bgrToYcbcr(unit, true),
                    f.tensor("output.color.bgr2ycbcr_y_f32"), TOL);
            Tensor rgbNchw = unit.flip(2).permute(2, 0, 1).unsqueeze(0);
            double pt = Golden.assertClose("rgb2ycbcr_pt y", Ycbcr.rgbToYcbcrPt(rgbNchw, true),
                    f.tensor("output.color.rgb2ycbcr_pt_y"), TOL);
            LOG.info("colour: u8 flips {} (max {}), y {}, full {}, bgr {}, pt {}", flips, u8Diff, y, full, bgr, pt);
        }
    }

    @Test
    void bgrVariantsEqualRgbOnSwappedChannels() {
        try (GoldenFixture f = GoldenFixture.open("basicsr_degradations")) {
            Tensor img = f.tensor("input.metrics.img2_hwc_bgr_u8");
            Tensor swapped = img.flip(2);
            assertThat(Torch.maxAbsDiff(Ycbcr.bgrToYcbcrU8(img, false), Ycbcr.rgbToYcbcrU8(swapped, false))).isZero();
            Tensor unit = Torch.div(img, 255);
            assertThat(Torch.maxAbsDiff(Ycbcr.bgrToYcbcr(unit, false), Ycbcr.rgbToYcbcr(unit.flip(2), false)))
                    .isZero();
            Tensor nchw = unit.flip(2).permute(2, 0, 1).unsqueeze(0);
            assertThat(Torch.maxAbsDiff(Ycbcr.rgbToYcbcrPt(nchw, false).select(1, 0),
                    Ycbcr.rgbToYcbcrPt(nchw, true).select(1, 0))).isLessThan(1e-6);
        }
    }
}
