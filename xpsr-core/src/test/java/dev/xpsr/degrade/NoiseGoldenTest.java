package dev.xpsr.degrade;

import dev.xpsr.golden.Golden;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

class NoiseGoldenTest {
    private static final Logger LOG = LoggerFactory.getLogger(NoiseGoldenTest.class);
    private static final String FIXTURE = "basicsr_degradations";
    private static final double TOL = 1e-5;
    private static final double STEP = 1 / 255.0;
    /** Pixels allowed to land one 1/255 step away when the float sum sits on a rounding boundary. */
    private static final int MAX_ROUNDING_FLIPS = 3;

    @Test
    void gaussianNoiseFromRecordedDrawsMatchesBasicsr() {
        try (GoldenFixture f = GoldenFixture.open(FIXTURE)) {
            double clip = Golden.assertClose("gauss clip", gaussian(f, "clip", false),
                    f.tensor("output.gauss_noise.clip"), TOL);
            Tensor rounded = gaussian(f, "clip_round", true);
            Tensor expected = f.tensor("output.gauss_noise.clip_round");
            assertThat(Torch.shape(rounded)).isEqualTo(Torch.shape(expected));
            double[] diff = Torch.toDoubles(rounded.sub(expected).abs());
            int flips = 0;
            for (double d : diff) {
                assertThat(d).as("clip_round differs by other than one 1/255 step").satisfiesAnyOf(
                        x -> assertThat(x).isLessThanOrEqualTo(TOL),
                        x -> assertThat(Math.abs(x - STEP)).isLessThanOrEqualTo(TOL));
                flips += d > TOL ? 1 : 0;
            }
            assertThat(flips).as("clip_round 1/255 flips").isLessThanOrEqualTo(MAX_ROUNDING_FLIPS);
            LOG.info("gaussian noise: clip max abs diff {}, clip_round flips {}", clip, flips);
        }
    }

    @Test
    void poissonNoiseFromRecordedCountsMatchesBasicsr() {
        try (GoldenFixture f = GoldenFixture.open(FIXTURE)) {
            Tensor img = f.tensor("input.poisson_noise.img");
            double gray = Golden.assertClose("gray quantised", Noise.quantizedGray(img),
                    f.tensor("output.poisson_noise.img_gray_quantized"), TOL);
            Golden.assertClose("vals_gray", Noise.levels(Noise.quantizedGray(img)),
                    f.tensor("output.poisson_noise.vals_gray"), 0);
            Golden.assertClose("vals_color", Noise.levels(Torch.div(Torch.clamp(Torch.mul(img, 255).round(), 0, 255),
                    255)), f.tensor("output.poisson_noise.vals_color"), 0);
            Tensor out = Noise.addPoissonNoise(img, f.tensor("input.poisson_noise.scale"),
                    f.tensor("input.poisson_noise.gray_noise"), f.tensor("input.poisson_noise.poisson_counts_color"),
                    f.tensor("input.poisson_noise.poisson_counts_gray"), true, false);
            double diff = Golden.assertClose("poisson clip", out, f.tensor("output.poisson_noise.clip"), TOL);
            LOG.info("poisson noise max abs diff: gray image {}, output {}", gray, diff);
        }
    }

    @Test
    void generatorOverloadsDrawGrayFieldFirstThenColour() {
        try (GoldenFixture f = GoldenFixture.open(FIXTURE)) {
            Tensor img = f.tensor("input.gauss_noise.img");
            Tensor sigma = f.tensor("input.gauss_noise.sigma");
            Tensor gray = f.tensor("input.gauss_noise.gray_noise");
            Tensor drawn = Noise.addGaussianNoise(img, sigma, gray, true, false, Torch.generator(5));
            var g = Torch.generator(5);
            Tensor randnGray = Torch.randn(g, img.size(2), img.size(3));
            Tensor randnColor = Torch.randn(g, Torch.shape(img));
            Tensor replay = Noise.addGaussianNoise(img, sigma, gray, randnColor, randnGray, true, false);
            assertThat(Torch.maxAbsDiff(drawn, replay)).isZero();
            assertThat(Torch.maxAbsDiff(drawn, img)).isPositive();
        }
    }

    @Test
    void seededPoissonAndRandomNoiseRepeatAndStayInRange() {
        try (GoldenFixture f = GoldenFixture.open(FIXTURE)) {
            Tensor img = f.tensor("input.poisson_noise.img");
            Tensor scale = f.tensor("input.poisson_noise.scale");
            Tensor gray = f.tensor("input.poisson_noise.gray_noise");
            Tensor a = Noise.addPoissonNoise(img, scale, gray, true, false, Torch.generator(11));
            Tensor b = Noise.addPoissonNoise(img, scale, gray, true, false, Torch.generator(11));
            assertThat(Torch.maxAbsDiff(a, b)).isZero();
            assertThat(Torch.maxAbsDiff(a, img)).isPositive();
            Tensor p = Noise.randomAddPoissonNoise(img, new double[] {0.05, 3}, 0.4, true, true, Torch.generator(3));
            Tensor q = Noise.randomAddGaussianNoise(img, new double[] {1, 30}, 0.4, true, true, Torch.generator(3));
            for (Tensor t : new Tensor[] {p, q}) {
                assertThat(t.min().item_double()).isGreaterThanOrEqualTo(0);
                assertThat(t.max().item_double()).isLessThanOrEqualTo(1);
                assertThat(Torch.maxAbsDiff(Torch.mul(t, 255).round(), Torch.mul(t, 255))).isLessThan(1e-4);
            }
        }
    }

    private static Tensor gaussian(GoldenFixture f, String kase, boolean rounds) {
        String in = "input.gauss_noise.";
        return Noise.addGaussianNoise(f.tensor(in + "img"), f.tensor(in + "sigma"), f.tensor(in + "gray_noise"),
                f.tensor(in + kase + ".randn_color"), f.tensor(in + kase + ".randn_gray"), true, rounds);
    }
}
