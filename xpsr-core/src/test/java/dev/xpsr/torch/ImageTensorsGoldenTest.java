package dev.xpsr.torch;

import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.golden.ImageCompare;
import dev.xpsr.io.RgbImage;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The image conversions against torchvision's and diffusers' outputs, and their rounding edge cases. */
class ImageTensorsGoldenTest {

    @Test
    void vaePostprocessMatchesDiffusersExactly() {
        try (GoldenFixture f = GoldenFixture.open("colorfix")) {
            ImageCompare.assertExact("postprocess", ImageTensors.fromVaeOutput(f.tensor("input.postprocess.decoded")),
                    f.tensor("output.postprocess.pil_u8"));
        }
    }

    @Test
    void vaePostprocessRoundsHalfToEvenLikeNumpy() {
        NativeStartup.ensureStarted();
        float tie = halfwayInput(126);
        RgbImage img = ImageTensors.fromVaeOutput(Torch.fromFloats(new float[] {tie, -1f, 1f}, 3, 1, 1));
        assertThat(img.get(0, 0, 0)).as("126.5 rounds to the even neighbour").isEqualTo(126);
        assertThat(img.get(0, 0, 1)).isZero();
        assertThat(img.get(0, 0, 2)).isEqualTo(255);
    }

    /** A decoder value x with (x/2 + 0.5)·255 == k + 0.5 exactly in float32. */
    private static float halfwayInput(int k) {
        float y = (k + 0.5f) / 255f;
        for (int i = 0; i < 64 && y * 255f != k + 0.5f; i++) {
            y = y * 255f < k + 0.5f ? Math.nextUp(y) : Math.nextDown(y);
        }
        assertThat(y * 255f).as("a float32 tie exists").isEqualTo(k + 0.5f);
        float x = (y - 0.5f) * 2f;
        assertThat(x / 2f + 0.5f).isEqualTo(y);
        return x;
    }

    @Test
    void toTensorThenTruncatingConversionIsLossless() {
        NativeStartup.ensureStarted();
        byte[] px = new byte[3 * 16 * 16];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) i;
        }
        RgbImage img = RgbImage.of(16, 16, px);
        assertThat(Torch.shape(ImageTensors.toTensor(img))).containsExactly(1, 3, 16, 16);
        assertThat(ImageTensors.fromTensorTruncating(ImageTensors.toTensor(img))).isEqualTo(img);
    }

    @Test
    void truncatingConversionTruncatesAndClamps() {
        NativeStartup.ensureStarted();
        float almostOne = 254.99f / 255f;
        RgbImage img = ImageTensors.fromTensorTruncating(
                Torch.fromFloats(new float[] {almostOne, -0.5f, 7f}, 3, 1, 1));
        assertThat(img.get(0, 0, 0)).isEqualTo(254);
        assertThat(img.get(0, 0, 1)).isZero();
        assertThat(img.get(0, 0, 2)).isEqualTo(255);
    }
}
