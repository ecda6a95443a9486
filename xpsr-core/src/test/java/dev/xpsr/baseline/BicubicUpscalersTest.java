package dev.xpsr.baseline;

import dev.xpsr.io.RgbImage;
import dev.xpsr.pipeline.PilResize;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The two bicubic baselines on the real Set5 / skimage pairs. */
class BicubicUpscalersTest {
    /**
     * The MATLAB-style bicubic gives the published bicubic PSNR-Y (shave = scale) of these pairs: 27.44 / 22.10 dB
     * for Set5 butterfly ×2 / ×4 and 26.84 dB for astronaut ×4 (fixtures/data/MANIFEST.md §1–2).
     */
    @ParameterizedTest
    @CsvSource({
            "butterfly_set5_LRx2_matlab-bicubic_128.png, opencv_dnn_superres_butterfly_set5.png, 2, 27.44",
            "butterfly_set5_LRx4_matlab-bicubic_64.png,  opencv_dnn_superres_butterfly_set5.png, 4, 22.10",
            "astronaut_LRx4_matlab-bicubic_128.png,      skimage_astronaut.png,                  4, 26.84"})
    void matlabBicubicGivesThePublishedPsnr(String lrName, String hrName, int scale, double published)
            throws Exception {
        RgbImage lr = SrMetrics.image("images/sr_pairs/" + lrName);
        RgbImage hr = SrMetrics.image("images/hr/" + hrName);
        long t0 = System.nanoTime();
        RgbImage sr = new MatlabBicubicUpscaler(scale).upscale(lr);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double psnr = SrMetrics.psnrY(sr, hr, scale);
        RgbImage pil = new PilBicubicUpscaler(scale).upscale(lr);
        System.out.printf("bicubic x%d %s: MATLAB-style %.3f dB (%.3f s), Pillow %.3f dB%n", scale, lrName, psnr,
                seconds, SrMetrics.psnrY(pil, hr, scale));
        assertThat(sr.width()).isEqualTo(hr.width());
        assertThat(sr.height()).isEqualTo(hr.height());
        assertThat(psnr).isCloseTo(published, within(0.006));
    }

    @Test
    void pillowBicubicIsPillowsResize() throws Exception {
        RgbImage lr = SrMetrics.image("images/sr_pairs/astronaut_LRx4_matlab-bicubic_128.png");
        BaselineUpscaler up = new PilBicubicUpscaler(4);
        RgbImage sr = up.upscale(lr);
        assertThat(sr).isEqualTo(PilResize.resize(lr, 512, 512, PilResize.Filter.BICUBIC));
        assertThat(up.name()).isEqualTo("bicubic-pil");
        assertThat(up.scale()).isEqualTo(4);
    }

    @Test
    void flatImagesStayFlat() {
        RgbImage flat = RgbImage.filled(5, 3, 37, 0, 255);
        assertThat(new MatlabBicubicUpscaler(4).upscale(flat)).isEqualTo(RgbImage.filled(20, 12, 37, 0, 255));
        assertThat(new PilBicubicUpscaler(4).upscale(flat)).isEqualTo(RgbImage.filled(20, 12, 37, 0, 255));
    }

    @Test
    void matlabBicubicSaturatesInsteadOfWrapping() {
        // a hard black/white edge overshoots under the cubic kernel: values clamp to 0…255
        byte[] px = new byte[3 * 8 * 4];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) ((i / 3) % 8 < 4 ? 0 : 255);
        }
        RgbImage sr = new MatlabBicubicUpscaler(4).upscale(RgbImage.of(8, 4, px));
        // undershoot below 0 and overshoot above 255 saturate instead of wrapping: the row stays monotonic
        for (int x = 1; x < 32; x++) {
            assertThat(sr.get(x, 5, 0)).as("x = " + x).isGreaterThanOrEqualTo(sr.get(x - 1, 5, 0));
        }
        assertThat(sr.get(0, 0, 0)).isZero();
        assertThat(sr.get(31, 15, 2)).isEqualTo(255);
        assertThat(new MatlabBicubicUpscaler(4).name()).isEqualTo("bicubic-matlab");
    }

    @Test
    void rejectsScalesBelowOne() {
        assertThatThrownBy(() -> new MatlabBicubicUpscaler(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PilBicubicUpscaler(-2)).isInstanceOf(IllegalArgumentException.class);
    }
}
