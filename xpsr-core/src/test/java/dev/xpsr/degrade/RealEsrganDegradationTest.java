package dev.xpsr.degrade;

import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import dev.xpsr.torch.ImageTensors;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class RealEsrganDegradationTest {
    private static final Logger LOG = LoggerFactory.getLogger(RealEsrganDegradationTest.class);
    private static final int SIDE = 256;

    @BeforeAll
    static void start() {
        NativeStartup.ensureStarted(2);
    }

    static Path hrFolder() {
        return Path.of(System.getProperty("xpsr.data", "../fixtures/data")).resolve("images/hr");
    }

    /** A centred side×side crop of a real photo as (1, 3, side, side) in [0, 1]. */
    static Tensor photo(String file, int side) throws Exception {
        RgbImage img = ImageFiles.read(hrFolder().resolve(file));
        return ImageTensors.toTensor(img.crop((img.width() - side) / 2, (img.height() - side) / 2, side, side));
    }

    @Test
    void samePresetAndSeedGiveByteIdenticalLr() throws Exception {
        try (PointerScope scope = new PointerScope()) {
            Tensor hr = photo("opencv_baboon.png", SIDE);
            for (String name : DegradationPreset.names()) {
                RealEsrganDegradation d = new RealEsrganDegradation(DegradationPreset.named(name));
                for (long seed : new long[] {17, 123456789}) {
                    byte[] a = Torch.toBytes(d.degrade(hr, seed).lr());
                    byte[] b = Torch.toBytes(new RealEsrganDegradation(DegradationPreset.named(name))
                            .degrade(hr, seed).lr());
                    assertThat(a).as("%s seed %d", name, seed).isEqualTo(b);
                }
            }
        }
    }

    @Test
    void differentSeedsGiveDifferentLr() throws Exception {
        try (PointerScope scope = new PointerScope()) {
            Tensor hr = photo("opencv_baboon.png", SIDE);
            RealEsrganDegradation d = new RealEsrganDegradation(DegradationPreset.defaults());
            byte[] first = Torch.toBytes(d.degrade(hr, 1).lr());
            for (long seed = 2; seed < 5; seed++) {
                assertThat(Torch.toBytes(d.degrade(hr, seed).lr())).as("seed %d", seed).isNotEqualTo(first);
            }
        }
    }

    @Test
    void lrIsAQuarterOfTheHrAndStaysInUnitRangeForEveryPreset() throws Exception {
        try (PointerScope scope = new PointerScope()) {
            Tensor hr = photo("skimage_astronaut.png", SIDE).narrow(3, 0, SIDE - 4 * 3);
            for (String name : DegradationPreset.names()) {
                DegradationPreset preset = DegradationPreset.named(name);
                RealEsrganDegradation d = new RealEsrganDegradation(preset);
                for (long seed = 0; seed < 3; seed++) {
                    Tensor lr = d.degrade(hr, seed).lr();
                    assertThat(Torch.shape(lr)).containsExactly(1, 3, SIDE / 4, (SIDE - 12) / 4);
                    float[] v = Torch.toFloats(lr);
                    for (float x : v) {
                        assertThat(x >= 0f && x <= 1f).as("%s in [0, 1]", x).isTrue();
                        if (preset.roundLr()) {
                            assertThat(x * 255.0).as("rounded to /255 levels").isCloseTo(Math.rint(x * 255.0),
                                    within(1e-3));
                        }
                    }
                }
            }
        }
    }

    @Test
    void everyPresetsDrawsStayInTheirRangesOverManySeeds() {
        int n = 4000;
        for (String name : DegradationPreset.names()) {
            DegradationPreset p = DegradationPreset.named(name);
            RealEsrganDegradation d = new RealEsrganDegradation(p);
            int secondBlur = 0;
            int sinc = 0;
            int resizeFirst = 0;
            int[] directions = new int[3];
            for (long seed = 0; seed < n; seed++) {
                RealEsrganDegradation.Params s = d.sample(seed);
                checkKernel(s.kernel1(), p.blur1());
                checkKernel(s.kernel2(), p.blur2());
                if (s.finalSinc() != null) {
                    sinc++;
                    assertThat(s.finalSinc().omega()).isBetween(Math.PI / 3, Math.PI);
                }
                checkStage(s.stage1(), p.stage1());
                checkStage(s.stage2(), p.stage2());
                checkQuality(s.jpegQuality1(), p.stage1().jpegRange());
                checkQuality(s.jpegQuality2(), p.stage2().jpegRange());
                secondBlur += s.secondBlur() ? 1 : 0;
                resizeFirst += s.resizeBeforeFinalJpeg() ? 1 : 0;
                directions[s.stage1().direction().ordinal()]++;
            }
            // binomial standard deviations are under 0.008 at n = 4000; 0.03 is about four of them
            assertThat(secondBlur / (double) n).as(name + " second blur").isCloseTo(p.secondBlurProb(), within(0.03));
            assertThat(sinc / (double) n).as(name + " final sinc").isCloseTo(p.finalSincProb(), within(0.03));
            assertThat(resizeFirst / (double) n).as(name + " final order").isCloseTo(0.5, within(0.03));
            double[] w = p.stage1().resizeProb();
            for (int i = 0; i < 3; i++) {
                assertThat(directions[i] / (double) n).as(name + " resize direction " + i).isCloseTo(w[i],
                        within(0.03));
            }
        }
    }

    @Test
    void sampleDescribesEveryDraw() {
        RealEsrganDegradation.Params p = new RealEsrganDegradation(DegradationPreset.defaults()).sample(5);
        assertThat(p.describe()).contains("stage1: blur", "stage2:", "final:", "jpeg q=", "noise seed "
                + p.noiseSeed());
        RealEsrganDegradation.Params again = new RealEsrganDegradation(DegradationPreset.defaults()).sample(5);
        assertThat(again.describe()).isEqualTo(p.describe());
        assertThat(again.kernel1().kernel()).isDeepEqualTo(p.kernel1().kernel());
    }

    @Test
    void imagesBelowThePresetsMinimumSideAreRefusedWithTheLimit() {
        DegradationPreset p = DegradationPreset.defaults();
        // 0.15 downscale must leave 11 pixels: ceil(11 / 0.15) = 74 (and 74/4 = 18 > 10)
        assertThat(p.minimumSide()).isEqualTo(74);
        assertThat(DegradationPreset.named("xpsr-params").minimumSide()).isEqualTo(44);
        try (PointerScope scope = new PointerScope()) {
            Tensor small = Torch.zeros(1, 3, 64, 80);
            assertThatThrownBy(() -> new RealEsrganDegradation(p).degrade(small, 0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 74x74");
        }
    }

    @Test
    void unknownPresetNameListsTheValidOnes() {
        assertThat(DegradationPreset.names()).containsExactly("seesr", "realesrgan-x4plus", "xpsr-params");
        assertThat(DegradationPreset.named("SeeSR").name()).isEqualTo("seesr");
        assertThatThrownBy(() -> DegradationPreset.named("bsrgan"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'bsrgan'")
                .hasMessageContaining("seesr, realesrgan-x4plus, xpsr-params");
    }

    @Test
    void presetsCarryTheReferenceValues() {
        DegradationPreset seesr = DegradationPreset.named("seesr");
        DegradationPreset x4 = DegradationPreset.named("realesrgan-x4plus");
        DegradationPreset xp = DegradationPreset.named("xpsr-params");
        assertThat(seesr.stage1().noiseRange()).containsExactly(1, 30);
        assertThat(seesr.stage2().resizeRange()).containsExactly(0.3, 1.2);
        assertThat(seesr.stage2().jpegRange()).containsExactly(30, 95);
        assertThat(seesr.blur2().sigmaRange()).containsExactly(0.2, 1.5);
        assertThat(seesr.sharpenGt()).isTrue();
        assertThat(seesr.roundLr()).isFalse();
        assertThat(x4.roundLr()).isTrue();
        assertThat(x4.stage1().poissonScaleRange()).containsExactly(0.05, 3);
        assertThat(xp.secondBlurProb()).isEqualTo(0.5);
        assertThat(xp.stage1().resizeRange()).containsExactly(0.3, 1.5);
        assertThat(xp.stage2().noiseRange()).containsExactly(1, 12);
        assertThat(xp.stage2().poissonScaleRange()).containsExactly(0.05, 1);
        assertThat(xp.stage2().jpegRange()).containsExactly(60, 100);
        assertThat(xp.sharpenGt()).isFalse();
    }

    @Test
    void degradedLrIsMeasurablyWorseThanAPlainBicubicDownscaleOnRealPhotos() throws Exception {
        List<String> photos = List.of("opencv_baboon.png", "skimage_astronaut.png", "opencv_fruits.png",
                "jxl_wesaturate_tmshre_riaphotographs_srgb8.png", "opencv_leuvenA.png", "skimage_coffee.png");
        RealEsrganDegradation d = new RealEsrganDegradation(DegradationPreset.defaults());
        double plain = 0;
        double degraded = 0;
        for (int i = 0; i < photos.size(); i++) {
            try (PointerScope scope = new PointerScope()) {
                Tensor hr = photo(photos.get(i), SIDE);
                // the classic "bicubic LR": MATLAB imresize, antialiased
                Tensor reference = MatlabImresize.imresize(hr.squeeze(0), 0.25, true).unsqueeze(0);
                Tensor bicubic = Torch.clamp(Resize.toSize(hr, Resize.Mode.BICUBIC, SIDE / 4, SIDE / 4), 0, 1);
                Tensor lr = d.degrade(hr, 1000 + i).lr();
                double p = psnr(bicubic, reference);
                double q = psnr(lr, reference);
                LOG.info("{}: PSNR vs antialiased bicubic LR: plain torch bicubic {} dB, degraded {} dB",
                        photos.get(i), String.format("%.2f", p), String.format("%.2f", q));
                plain += p;
                degraded += q;
            }
        }
        plain /= photos.size();
        degraded /= photos.size();
        LOG.info("mean PSNR: plain bicubic {} dB, degraded {} dB", String.format("%.2f", plain),
                String.format("%.2f", degraded));
        assertThat(degraded).isLessThan(plain - 3);
    }

    private static double psnr(Tensor a, Tensor b) {
        double mse = Torch.toDoubles(Torch.pow(a.sub(b), 2).mean())[0];
        return 10 * Math.log10(1 / mse);
    }

    private static void checkKernel(RandomKernels.Sample k, RandomKernels.BlurSettings s) {
        assertThat(k.size()).isBetween(7, 21);
        assertThat(k.size() % 2).isEqualTo(1);
        assertThat(k.kernel()).hasDimensions(21, 21);
        if (k.type() == KernelType.SINC) {
            assertThat(k.omega()).isBetween(k.size() < 13 ? Math.PI / 3 : Math.PI / 5, Math.PI);
            return;
        }
        assertThat(s.kernelList()).contains(k.type());
        assertThat(k.sigmaX()).isBetween(s.sigmaRange()[0], s.sigmaRange()[1]);
        if (!k.type().isotropic()) {
            assertThat(k.sigmaY()).isBetween(s.sigmaRange()[0], s.sigmaRange()[1]);
            assertThat(k.theta()).isBetween(-Math.PI, Math.PI);
        }
        switch (k.type()) {
            case GENERALIZED_ISO, GENERALIZED_ANISO ->
                    assertThat(k.beta()).isBetween(s.betagRange()[0], s.betagRange()[1]);
            case PLATEAU_ISO, PLATEAU_ANISO -> assertThat(k.beta()).isBetween(s.betapRange()[0], s.betapRange()[1]);
            default -> assertThat(k.beta()).isNaN();
        }
    }

    private static void checkStage(RealEsrganDegradation.StageDraws d, DegradationPreset.Stage s) {
        double[] r = s.resizeRange();
        switch (d.direction()) {
            case UP -> assertThat(d.resizeScale()).isBetween(1.0, r[1]);
            case DOWN -> assertThat(d.resizeScale()).isBetween(r[0], 1.0);
            case KEEP -> assertThat(d.resizeScale()).isEqualTo(1.0);
        }
        assertThat(d.resizeMode()).isNotNull();
        double[] levels = d.gaussian() ? s.noiseRange() : s.poissonScaleRange();
        assertThat(d.noiseLevel()).isBetween(levels[0], levels[1]);
    }

    private static void checkQuality(double q, double[] range) {
        assertThat(q).isGreaterThanOrEqualTo(range[0]).isLessThan(range[1]);
    }
}
