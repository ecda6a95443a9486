package dev.xpsr.degrade;

import dev.xpsr.golden.Golden;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

class DiffJpegGoldenTest {
    private static final Logger LOG = LoggerFactory.getLogger(DiffJpegGoldenTest.class);
    private static final String FIXTURE = "basicsr_degradations";
    private static final double DECOMPRESS_TOL = 1e-4;
    private static final double MEAN_TOL = 1e-3;
    /** Coefficients allowed one quantisation step off (a DCT sum within float32 noise of a .5 boundary). */
    private static final int MAX_FLIPS = 2;

    @Test
    void factorsMatchQualityToFactor() {
        try (GoldenFixture f = GoldenFixture.open(FIXTURE)) {
            Golden.assertClose("jpeg factor", DiffJpeg.factors(f.tensor("input.jpeg.quality")),
                    f.tensor("output.jpeg.factor"), 0);
        }
    }

    @Test
    void compressionGivesTheStoredQuantisedCoefficients() {
        try (GoldenFixture f = GoldenFixture.open(FIXTURE)) {
            Tensor img = f.tensor("input.jpeg.img");
            Tensor padded = Torch.pad(img, 0, padding(img.size(3)), 0, padding(img.size(2)));
            DiffJpeg.Coefficients c = DiffJpeg.compress(padded, DiffJpeg.factors(f.tensor("input.jpeg.quality")));
            int flips = flips("y", c.y(), f.tensor("output.jpeg.coeff_y"))
                    + flips("cb", c.cb(), f.tensor("output.jpeg.coeff_cb"))
                    + flips("cr", c.cr(), f.tensor("output.jpeg.coeff_cr"));
            LOG.info("DiffJPEG compression: {} coefficients off by one step", flips);
            assertThat(flips).as("±1 coefficient flips").isLessThanOrEqualTo(MAX_FLIPS);
        }
    }

    @Test
    void decompressionOfStoredCoefficientsMatchesBasicsr() {
        try (GoldenFixture f = GoldenFixture.open(FIXTURE)) {
            Tensor img = f.tensor("input.jpeg.img");
            long h = img.size(2);
            long w = img.size(3);
            DiffJpeg.Coefficients c = new DiffJpeg.Coefficients(f.tensor("output.jpeg.coeff_y"),
                    f.tensor("output.jpeg.coeff_cb"), f.tensor("output.jpeg.coeff_cr"));
            Tensor out = DiffJpeg.decompress(c, h + padding(h), w + padding(w), f.tensor("output.jpeg.factor"))
                    .narrow(2, 0, h).narrow(3, 0, w);
            double diff = Golden.assertClose("jpeg decompression", out, f.tensor("output.jpeg.out"), DECOMPRESS_TOL);
            LOG.info("DiffJPEG decompression max abs diff {}", diff);
        }
    }

    @Test
    void fullRoundTripMatchesBasicsrPerImageAndScalarQuality() {
        try (GoldenFixture f = GoldenFixture.open(FIXTURE)) {
            Tensor img = f.tensor("input.jpeg.img");
            double perImage = meanAbs(DiffJpeg.apply(img, f.tensor("input.jpeg.quality")), f.tensor("output.jpeg.out"));
            double q30 = meanAbs(DiffJpeg.apply(img.narrow(0, 0, 1), 30), f.tensor("output.jpeg.out_q30_first"));
            LOG.info("DiffJPEG round trip mean abs diff: per-image quality {}, quality 30 {}", perImage, q30);
            assertThat(perImage).isLessThanOrEqualTo(MEAN_TOL);
            assertThat(q30).isLessThanOrEqualTo(MEAN_TOL);
        }
    }

    private static long padding(long size) {
        return (16 - size % 16) % 16;
    }

    private static int flips(String what, Tensor actual, Tensor expected) {
        assertThat(Torch.shape(actual)).as(what + " shape").isEqualTo(Torch.shape(expected));
        double[] diff = Torch.toDoubles(actual.sub(expected).abs());
        int n = 0;
        for (double d : diff) {
            assertThat(d).as(what + " coefficient difference").isIn(0.0, 1.0);
            n += d > 0 ? 1 : 0;
        }
        return n;
    }

    private static double meanAbs(Tensor a, Tensor b) {
        assertThat(Torch.shape(a)).isEqualTo(Torch.shape(b));
        return a.sub(b).abs().mean().item_double();
    }
}
