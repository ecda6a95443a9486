package dev.xpsr.prompt;

import dev.xpsr.io.RgbImage;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Each estimator on synthetic images whose answer is known. */
class EstimatorsTest {
    private static LumaPlane plane(int w, int h, java.util.function.IntBinaryOperator value) {
        double[] v = new double[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                v[y * w + x] = value.applyAsInt(x, y);
            }
        }
        return new LumaPlane(w, h, v);
    }

    private static LumaPlane gaussianNoisePlane(int side, double sigma, long seed) {
        Random r = new Random(seed);
        double[] v = new double[side * side];
        for (int i = 0; i < v.length; i++) {
            v[i] = 128 + sigma * r.nextGaussian();
        }
        return new LumaPlane(side, side, v);
    }

    @Test
    void lumaIsBt601() {
        RgbImage img = RgbImage.filled(2, 1, 200, 100, 50);
        assertThat(LumaPlane.of(img).at(1, 0)).isCloseTo(0.299 * 200 + 0.587 * 100 + 0.114 * 50, within(1e-9));
    }

    @Test
    void immerkaerRecoversTheSigmaOfPureNoiseAndIgnoresRamps() {
        for (double sigma : new double[] {2, 5, 10, 20}) {
            // the edge exclusion drops the noisiest 10 %, a slight downward bias on pure noise
            assertThat(NoiseEstimator.sigma(gaussianNoisePlane(256, sigma, 7))).isCloseTo(sigma, within(0.1 * sigma));
        }
        assertThat(NoiseEstimator.sigma(plane(64, 64, (x, y) -> 3 * x + 2 * y))).isCloseTo(0, within(1e-9));
        assertThat(NoiseEstimator.sigma(plane(2, 2, (x, y) -> 0))).isNaN();
    }

    @Test
    void laplacianVarianceFallsWithBlur() {
        LumaPlane sharp = plane(64, 64, (x, y) -> ((x / 4 + y / 4) % 2) * 200);
        LumaPlane flat = plane(64, 64, (x, y) -> 90);
        assertThat(SharpnessEstimator.laplacianVariance(sharp)).isGreaterThan(1000);
        assertThat(SharpnessEstimator.laplacianVariance(flat)).isZero();
    }

    @Test
    void blurEffectIsLowOnNoiseAndHighOnSmoothRamps() {
        assertThat(BlurEffectEstimator.blurEffect(gaussianNoisePlane(128, 20, 3))).isLessThan(0.2);
        assertThat(BlurEffectEstimator.blurEffect(plane(128, 128, (x, y) -> x + y))).isGreaterThan(0.9);
        assertThat(BlurEffectEstimator.blurEffect(plane(20, 20, (x, y) -> x))).isNaN();
    }

    @Test
    void blockinessFindsAnOffsetGridAndIgnoresTwoPeriodicPatterns() {
        Random r = new Random(5);
        int[] blockValue = new int[40 * 40];
        for (int i = 0; i < blockValue.length; i++) {
            blockValue[i] = 60 + r.nextInt(120);
        }
        // 8 × 8 constant blocks with a grid starting at (3, 5), as after cropping a JPEG
        LumaPlane blocks = plane(300, 300, (x, y) -> blockValue[((y + 5) / 8) * 40 + (x + 3) / 8]);
        assertThat(BlockinessEstimator.measure(blocks).blockiness()).isGreaterThan(10);
        LumaPlane stripes = plane(300, 300, (x, y) -> (x % 2) * 50 + (y % 2) * 50);
        assertThat(BlockinessEstimator.measure(stripes).blockiness()).isCloseTo(1, within(0.01));
        assertThat(BlockinessEstimator.measure(gaussianNoisePlane(256, 10, 9)).blockiness()).isLessThan(1.05);
        assertThat(BlockinessEstimator.measure(plane(10, 40, (x, y) -> x)).blockiness()).isNaN();
    }

    @Test
    void toneMeasuresMeanClippingAndRmsContrast() {
        LumaPlane half = plane(10, 10, (x, y) -> x < 5 ? 0 : 255);
        ToneEstimator.Result t = ToneEstimator.measure(half);
        assertThat(t.meanLuma()).isCloseTo(0.5, within(1e-12));
        assertThat(t.shadowsClipped()).isCloseTo(0.5, within(1e-12));
        assertThat(t.highlightsClipped()).isCloseTo(0.5, within(1e-12));
        assertThat(t.rmsContrast()).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void labConversionMatchesReferenceValues() {
        double[] lab = new double[3];
        ColourCastEstimator.toLab(255, 255, 255, lab);
        assertThat(lab).containsExactly(new double[] {100, 0, 0}, within(0.01));
        // sRGB red under D65 (Lindbloom's calculator): L* 53.24, a* 80.09, b* 67.20
        ColourCastEstimator.toLab(255, 0, 0, lab);
        assertThat(lab).containsExactly(new double[] {53.24, 80.09, 67.20}, within(0.02));
        ColourCastEstimator.toLab(0, 0, 0, lab);
        assertThat(lab).containsExactly(new double[] {0, 0, 0}, within(1e-9));
    }

    @Test
    void castIndexSeesAUniformTintButNotAGreyImage() {
        // the sRGB matrix leaves grey a few thousandths of a unit off neutral
        assertThat(ColourCastEstimator.measure(RgbImage.filled(16, 16, 128, 128, 128)).distance()).isLessThan(0.01);
        Random r = new Random(1);
        byte[] px = new byte[64 * 64 * 3];
        for (int i = 0; i < px.length; i += 3) {
            int grey = 40 + r.nextInt(180);
            px[i] = (byte) Math.min(255, grey + 30);
            px[i + 1] = (byte) Math.min(255, grey + 20);
            px[i + 2] = (byte) Math.max(0, grey - 30);
        }
        ColourCastEstimator.Result tinted = ColourCastEstimator.measure(RgbImage.of(64, 64, px));
        assertThat(tinted.castIndex()).isGreaterThan(2);
        assertThat(tinted.hueName()).isEqualTo("yellowish");
    }

    @Test
    void fftMatchesTheDiscreteFourierTransform() {
        Random r = new Random(11);
        int n = 16;
        double[] re = new double[n];
        double[] im = new double[n];
        for (int i = 0; i < n; i++) {
            re[i] = r.nextGaussian();
            im[i] = r.nextGaussian();
        }
        double[] fr = re.clone();
        double[] fi = im.clone();
        Fft.transform(fr, fi, 0, 1, n);
        for (int k = 0; k < n; k++) {
            double sr = 0;
            double si = 0;
            for (int t = 0; t < n; t++) {
                double a = -2 * Math.PI * k * t / n;
                sr += re[t] * Math.cos(a) - im[t] * Math.sin(a);
                si += re[t] * Math.sin(a) + im[t] * Math.cos(a);
            }
            assertThat(fr[k]).isCloseTo(sr, within(1e-9));
            assertThat(fi[k]).isCloseTo(si, within(1e-9));
        }
    }

    @Test
    void effectiveResolutionIsFullForWhiteNoiseAndLowForItsUpscale() {
        LumaPlane noise = gaussianNoisePlane(256, 20, 13);
        assertThat(SpectralResolutionEstimator.measure(noise).effectiveResolution()).isEqualTo(1.0);
        // every pixel repeated 4 × 4: the detail ends at a quarter of the band (the replicas' sinc fall-off puts
        // the measured cut-off a little above it)
        LumaPlane small = gaussianNoisePlane(64, 20, 13);
        LumaPlane upscaled = plane(256, 256, (x, y) -> (int) Math.round(small.at(x / 4, y / 4)));
        assertThat(SpectralResolutionEstimator.measure(upscaled).effectiveResolution()).isLessThan(0.5);
        assertThat(SpectralResolutionEstimator.measure(plane(20, 20, (x, y) -> x)).effectiveResolution()).isNaN();
    }

    @Test
    void severityStepsAreInclusiveAndNanIsNone() {
        assertThat(Severity.of(0.5, 0.5, 0.6, 0.7)).isEqualTo(Severity.SLIGHT);
        assertThat(Severity.of(0.69, 0.5, 0.6, 0.7)).isEqualTo(Severity.MODERATE);
        assertThat(Severity.of(Double.NaN, 0.5, 0.6, 0.7)).isEqualTo(Severity.NONE);
        assertThat(Severity.below(0.05, 0.1, 0.07, 0.045)).isEqualTo(Severity.MODERATE);
        assertThat(Severity.below(Double.NaN, 0.1, 0.07, 0.045)).isEqualTo(Severity.NONE);
    }
}
