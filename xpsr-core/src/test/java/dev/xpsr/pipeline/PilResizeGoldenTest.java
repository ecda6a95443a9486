package dev.xpsr.pipeline;

import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.golden.ImageCompare;
import dev.xpsr.io.RgbImage;
import dev.xpsr.torch.ImageTensors;
import org.junit.jupiter.api.Test;

/** Pillow 9.4 resizes recorded in {@code colorfix.safetensors} (sizes taken from the stored images). */
class PilResizeGoldenTest {

    @Test
    void defaultBicubicX4UpscaleMatchesPillowExactly() {
        try (GoldenFixture f = GoldenFixture.open("colorfix")) {
            RgbImage lr = ImageTensors.fromHwcTensor(f.tensor("input.pil_resize.lr_hwc_rgb_u8"));
            RgbImage expected = ImageTensors.fromHwcTensor(f.tensor("output.pil_resize.up_x4_default_bicubic_u8"));
            RgbImage up = PilResize.resize(lr, expected.width(), expected.height());
            ImageCompare.assertExact("up_x4", up, expected);
        }
    }

    @Test
    void torchvisionBilinearShorterSideResizeMatchesExactly() {
        try (GoldenFixture f = GoldenFixture.open("colorfix")) {
            RgbImage up = ImageTensors.fromHwcTensor(f.tensor("output.pil_resize.up_x4_default_bicubic_u8"));
            RgbImage expected = ImageTensors.fromHwcTensor(
                    f.tensor("output.pil_resize.torchvision_resize_bilinear_u8"));
            int size = Math.min(expected.width(), expected.height());
            RgbImage rs = PilResize.torchvisionResizeShorter(up, size, PilResize.Filter.BILINEAR);
            ImageCompare.assertExact("torchvision_resize", rs, expected);
        }
    }

    @Test
    void floorToMultipleOf8BicubicDownscaleMatchesExactly() {
        try (GoldenFixture f = GoldenFixture.open("colorfix")) {
            RgbImage rs = ImageTensors.fromHwcTensor(f.tensor("output.pil_resize.torchvision_resize_bilinear_u8"));
            RgbImage expected = ImageTensors.fromHwcTensor(f.tensor("output.pil_resize.floor8_default_bicubic_u8"));
            RgbImage floor8 = PilResize.resize(rs, rs.width() / 8 * 8, rs.height() / 8 * 8);
            ImageCompare.assertExact("floor8", floor8, expected);
        }
    }
}
