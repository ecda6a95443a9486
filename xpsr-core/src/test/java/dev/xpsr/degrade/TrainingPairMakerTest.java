package dev.xpsr.degrade;

import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import dev.xpsr.torch.ImageTensors;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrainingPairMakerTest {
    @BeforeAll
    static void start() {
        NativeStartup.ensureStarted(2);
    }

    private static RgbImage photo(String file) throws Exception {
        return ImageFiles.read(RealEsrganDegradationTest.hrFolder().resolve(file));
    }

    @Test
    void pairsAre512SquaresAndReproducibleFromTheSeed() throws Exception {
        // 600x400: the height is reflect-padded to 512, the width randomly cropped
        RgbImage coffee = photo("skimage_coffee.png");
        TrainingPairMaker maker = new TrainingPairMaker(DegradationPreset.defaults(),
                TrainingPairMaker.Options.DEFAULTS);
        TrainingPairMaker.Pair a = maker.make(coffee, 42);
        TrainingPairMaker.Pair b = maker.make(coffee, 42);
        TrainingPairMaker.Pair c = maker.make(coffee, 43);
        for (RgbImage img : new RgbImage[] {a.hr(), a.lr(), c.hr(), c.lr()}) {
            assertThat(img.width()).isEqualTo(512);
            assertThat(img.height()).isEqualTo(512);
        }
        assertThat(a.hr()).isEqualTo(b.hr());
        assertThat(a.lr()).isEqualTo(b.lr());
        assertThat(a.params().describe()).isEqualTo(b.params().describe());
        assertThat(c.lr()).isNotEqualTo(a.lr());
        assertThat(a.cropY()).isZero();
        assertThat(a.cropX()).isBetween(0, 600 - 512);
    }

    @Test
    void hrIsTheUsmSharpenedCropWhenThePresetSharpensAndThePlainCropOtherwise() throws Exception {
        RgbImage baboon = photo("opencv_baboon.png");
        TrainingPairMaker.Options noFlip = new TrainingPairMaker.Options(256, 384L * 384, 100L * 1024, false);
        TrainingPairMaker.Pair plain = new TrainingPairMaker(DegradationPreset.named("xpsr-params"), noFlip)
                .make(baboon, 7);
        assertThat(plain.hr()).isEqualTo(baboon.crop(plain.cropX(), plain.cropY(), 256, 256));
        TrainingPairMaker.Pair sharp = new TrainingPairMaker(DegradationPreset.defaults(), noFlip).make(baboon, 7);
        RgbImage crop = baboon.crop(sharp.cropX(), sharp.cropY(), 256, 256);
        try (PointerScope scope = new PointerScope()) {
            RgbImage expected = TrainingPairMaker.toImage(Torch.clamp(
                    new UsmSharp().forward(ImageTensors.toTensor(crop), 0.5, 10), 0, 1));
            assertThat(sharp.hr()).isEqualTo(expected);
        }
        assertThat(sharp.hr()).isNotEqualTo(crop);
        assertThat(sharp.lr().width()).isEqualTo(256);
    }

    @Test
    void flipPadCropMirrorsThenReflectPadsBottomRightThenCrops() {
        // 3x2 image whose red channel numbers the pixels 0..5 row by row
        byte[] px = new byte[3 * 6];
        for (int i = 0; i < 6; i++) {
            px[3 * i] = (byte) i;
        }
        RgbImage img = RgbImage.of(3, 2, px);
        RgbImage plain = TrainingPairMaker.flipPadCrop(img, false, 0, 0, 4);
        // columns 0 1 2 | 1 and rows 0 1 | 0 1 (reflect-101 does not repeat the edge)
        assertThat(reds(plain)).containsExactly(0, 1, 2, 1, 3, 4, 5, 4, 0, 1, 2, 1, 3, 4, 5, 4);
        RgbImage flipped = TrainingPairMaker.flipPadCrop(img, true, 1, 0, 2);
        // mirrored rows read 2 1 0 | 1; the window starts at column 1
        assertThat(reds(flipped)).containsExactly(1, 0, 4, 3);
    }

    @Test
    void reflect101MatchesOpenCvBorderInterpolateEvenForPadsLongerThanTheSide() {
        int[] expected = {0, 1, 2, 3, 4, 3, 2, 1, 0, 1, 2, 3, 4, 3};
        for (int p = 0; p < expected.length; p++) {
            assertThat(TrainingPairMaker.reflect101(p, 5)).as("p=%d", p).isEqualTo(expected[p]);
        }
        assertThat(TrainingPairMaker.reflect101(-1, 5)).isEqualTo(1);
        assertThat(TrainingPairMaker.reflect101(-6, 5)).isEqualTo(2);
        assertThat(TrainingPairMaker.reflect101(7, 1)).isZero();
    }

    @Test
    void eightBitConversionRoundsHalfToEvenAndSaturatesLikeOpenCv() {
        try (PointerScope scope = new PointerScope()) {
            // 255f * (2.5f / 255f) == 2.5f exactly, and likewise for 3.5
            float[] v = {2.5f / 255f, 3.5f / 255f, 1.2f, -0.3f, Float.NaN, 1f, 0.5f};
            float[] chw = new float[3 * v.length];
            System.arraycopy(v, 0, chw, 0, v.length);
            RgbImage img = TrainingPairMaker.toImage(Torch.fromFloats(chw, 1, 3, 1, v.length));
            int[] red = new int[v.length];
            for (int i = 0; i < v.length; i++) {
                red[i] = img.get(i, 0, 0);
            }
            assertThat(red).containsExactly(2, 4, 255, 0, 0, 255, 128);
        }
    }

    @Test
    void smallFilesAndImagesAreRejectedWithTheThresholdInTheReason() {
        TrainingPairMaker maker = new TrainingPairMaker(DegradationPreset.defaults(),
                TrainingPairMaker.Options.DEFAULTS);
        assertThat(maker.rejectFile(102_399)).hasValue("file under 102400 bytes");
        assertThat(maker.rejectFile(102_400)).isEmpty();
        assertThat(maker.rejectImage(383, 384)).hasValue("image under 147456 pixels");
        assertThat(maker.rejectImage(300, 492)).isEmpty();
    }

    @Test
    void cropSizesThePresetCannotDegradeAreRefused() {
        assertThatThrownBy(() -> new TrainingPairMaker(DegradationPreset.defaults(),
                new TrainingPairMaker.Options(510, 0, 0, true)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiple of 4");
    }

    private static int[] reds(RgbImage img) {
        int[] out = new int[img.width() * img.height()];
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < img.width(); x++) {
                out[y * img.width() + x] = img.get(x, y, 0);
            }
        }
        return out;
    }
}
