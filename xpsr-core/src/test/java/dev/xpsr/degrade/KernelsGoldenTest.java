package dev.xpsr.degrade;

import com.fasterxml.jackson.databind.JsonNode;
import dev.xpsr.golden.Golden;
import dev.xpsr.golden.GoldenFixture;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class KernelsGoldenTest {
    private static final Logger LOG = LoggerFactory.getLogger(KernelsGoldenTest.class);
    private static final double TOL = 1e-6;

    @Test
    void everyGoldenKernelMatchesNumpyScipy() {
        try (GoldenFixture f = GoldenFixture.open("basicsr_degradations")) {
            JsonNode cases = f.json("extra").required("kernels");
            assertThat(cases.size()).as("kernel cases").isPositive();
            double worst = 0;
            for (JsonNode c : cases) {
                String key = c.required("key").asText();
                double[][] k = kernel(c.required("function").asText(), c.required("args"));
                worst = Math.max(worst, Golden.assertClose(key, Kernels.toTensor(k), f.tensor(key), TOL));
            }
            LOG.info("kernels: {} cases, max abs diff {}", cases.size(), worst);
        }
    }

    @Test
    void besselJ1MatchesScipyAtReferencePoints() {
        // scipy.special.j1 values
        assertThat(BesselJ1.j1(0)).isZero();
        assertThat(BesselJ1.j1(1e-5)).isCloseTo(4.9999999999375e-06, within(1e-20));
        assertThat(BesselJ1.j1(1)).isCloseTo(0.44005058574493355, within(2e-15));
        assertThat(BesselJ1.j1(2.5)).isCloseTo(0.497094102464274, within(2e-15));
        assertThat(BesselJ1.j1(-2.5)).isCloseTo(-0.497094102464274, within(2e-15));
        assertThat(BesselJ1.j1(3.8317059702075125)).isCloseTo(0, within(2e-15));
        assertThat(BesselJ1.j1(10)).isCloseTo(0.04347274616886141, within(2e-15));
        assertThat(BesselJ1.j1(44.4)).isCloseTo(-0.042102301257572874, within(2e-15));
    }

    private static double[][] kernel(String function, JsonNode a) {
        int size = a.required("kernel_size").asInt();
        return switch (function) {
            case "bivariate_Gaussian" -> Kernels.bivariateGaussian(size, a.required("sig_x").asDouble(),
                    a.required("sig_y").asDouble(), a.required("theta").asDouble(),
                    a.required("isotropic").asBoolean());
            case "bivariate_generalized_Gaussian" -> Kernels.bivariateGeneralizedGaussian(size,
                    a.required("sig_x").asDouble(), a.required("sig_y").asDouble(), a.required("theta").asDouble(),
                    a.required("beta").asDouble(), a.required("isotropic").asBoolean());
            case "bivariate_plateau" -> Kernels.bivariatePlateau(size, a.required("sig_x").asDouble(),
                    a.required("sig_y").asDouble(), a.required("theta").asDouble(), a.required("beta").asDouble(),
                    a.required("isotropic").asBoolean());
            case "circular_lowpass_kernel" -> Kernels.circularLowpass(a.required("cutoff").asDouble(), size,
                    a.required("pad_to").asInt());
            default -> throw new AssertionError("fixture names an unknown kernel function '" + function + "'");
        };
    }
}
