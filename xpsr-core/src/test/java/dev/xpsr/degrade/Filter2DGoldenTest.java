package dev.xpsr.degrade;

import dev.xpsr.golden.Golden;
import dev.xpsr.golden.GoldenFixture;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class Filter2DGoldenTest {
    private static final Logger LOG = LoggerFactory.getLogger(Filter2DGoldenTest.class);
    private static final double TOL = 1e-5;

    @Test
    void perImageAndSharedKernelsMatchBasicsrFilter2D() {
        try (GoldenFixture f = GoldenFixture.open("basicsr_degradations")) {
            Tensor img = f.tensor("input.filter2d.img");
            double perBatch = Golden.assertClose("filter2D per-image kernels",
                    Filter2D.apply(img, f.tensor("input.filter2d.kernels_per_batch")),
                    f.tensor("output.filter2d.per_batch"), TOL);
            double single = Golden.assertClose("filter2D shared kernel",
                    Filter2D.apply(img, f.tensor("input.filter2d.kernel_single")),
                    f.tensor("output.filter2d.single"), TOL);
            LOG.info("filter2D max abs diff: per-image {}, shared {}", perBatch, single);
        }
    }
}
