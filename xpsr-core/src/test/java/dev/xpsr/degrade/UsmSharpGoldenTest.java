package dev.xpsr.degrade;

import com.fasterxml.jackson.databind.JsonNode;
import dev.xpsr.golden.Golden;
import dev.xpsr.golden.GoldenFixture;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class UsmSharpGoldenTest {
    private static final Logger LOG = LoggerFactory.getLogger(UsmSharpGoldenTest.class);
    private static final double KERNEL_TOL = 1e-6;
    private static final double TOL = 1e-5;

    @Test
    void kernelAndEverySharpenedCaseMatchBasicsrUsmSharp() {
        try (GoldenFixture f = GoldenFixture.open("basicsr_degradations")) {
            JsonNode usm = f.json("extra").required("usm");
            UsmSharp sharp = new UsmSharp(usm.required("radius").asInt(), usm.required("sigma").asDouble());
            double kernel = Golden.assertClose("usm kernel", sharp.kernel(), f.tensor("output.usm.kernel"), KERNEL_TOL);
            Tensor img = f.tensor("input.usm.img");
            JsonNode cases = usm.required("cases");
            assertThat(cases.size()).as("usm cases").isPositive();
            double worst = 0;
            for (Iterator<Map.Entry<String, JsonNode>> it = cases.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> c = it.next();
                Tensor out = sharp.forward(img, c.getValue().required("weight").asDouble(),
                        c.getValue().required("threshold").asDouble());
                worst = Math.max(worst, Golden.assertClose("usm " + c.getKey(), out,
                        f.tensor("output.usm." + c.getKey()), TOL));
            }
            LOG.info("USMSharp max abs diff: kernel {}, outputs {}", kernel, worst);
        }
    }

    @Test
    void cvGaussianKernelUsesOpenCvSigmaAndSmallTables() {
        double[] g = UsmSharp.gaussianKernel1d(51, 0);
        // sigma = 0.3·((51 − 1)/2 − 1) + 0.8 = 8: neighbouring taps of the centre differ by exp(1/(2·8²))
        assertThat(g[25] / g[24]).isCloseTo(Math.exp(0.5 / 64), within(1e-14));
        assertThat(Arrays.stream(g).sum()).isCloseTo(1, within(1e-15));
        assertThat(UsmSharp.gaussianKernel1d(3, 0)).containsExactly(0.25, 0.5, 0.25);
        assertThat(new UsmSharp().size()).isEqualTo(51);
    }
}
