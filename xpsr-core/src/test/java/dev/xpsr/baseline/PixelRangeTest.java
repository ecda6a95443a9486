package dev.xpsr.baseline;

import dev.xpsr.io.RgbImage;
import dev.xpsr.torch.ImageTensors;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Tensor conversions of the two value ranges: clamping, rounding half to even, NaN. */
class PixelRangeTest {
    @Test
    void byteRangeRoundsHalfToEvenAndClips() {
        NativeStartup.ensureStarted();
        try (PointerScope scope = new PointerScope()) {
            // planes R = [2.5, 3.5], G = [−3, 300], B = [NaN, 254.49]
            float[] v = {2.5f, 3.5f, -3f, 300f, Float.NaN, 254.49f};
            RgbImage img = PixelRange.BYTE.toImage(Torch.fromFloats(v, 1, 3, 1, 2));
            assertThat(img.toHwcBytes()).containsExactly(2, 0, 0, 4, (byte) 255, (byte) 254);
        }
    }

    @Test
    void unitRangeScalesBy255ThenRounds() {
        NativeStartup.ensureStarted();
        try (PointerScope scope = new PointerScope()) {
            // R: 0.5·255 = 127.5 → 128 (even), 1.5 clamps to 1 → 255; G: −0.1 → 0, NaN → 0;
            // B: 1/255 → 1, 0.998·255 = 254.49 → 254
            float[] v = {0.5f, 1.5f, -0.1f, Float.NaN, 1f / 255f, 0.998f};
            RgbImage img = PixelRange.UNIT.toImage(Torch.fromFloats(v, 1, 3, 1, 2));
            assertThat(img.toHwcBytes()).containsExactly((byte) 128, 0, 1, (byte) 255, 0, (byte) 254);
        }
    }

    @Test
    void inputsAreTheBytesOrTheBytesOver255() {
        NativeStartup.ensureStarted();
        try (PointerScope scope = new PointerScope()) {
            RgbImage img = RgbImage.filled(2, 1, 255, 7, 0);
            assertThat(Torch.toFloats(PixelRange.BYTE.toTensor(img))).containsExactly(255, 255, 7, 7, 0, 0);
            assertThat(Torch.toFloats(PixelRange.UNIT.toTensor(img)))
                    .containsExactly(Torch.toFloats(ImageTensors.toTensor(img)));
        }
    }
}
