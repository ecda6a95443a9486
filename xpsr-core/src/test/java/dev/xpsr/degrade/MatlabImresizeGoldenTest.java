package dev.xpsr.degrade;

import dev.xpsr.golden.Golden;
import dev.xpsr.golden.GoldenFixture;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MatlabImresizeGoldenTest {
    private static final Logger LOG = LoggerFactory.getLogger(MatlabImresizeGoldenTest.class);
    private static final String PREFIX = "output.imresize.scale_";
    private static final double TOL = 1e-5;

    @Test
    void everyStoredScaleMatchesBasicsrImresize() {
        try (GoldenFixture f = GoldenFixture.open("basicsr_degradations")) {
            Tensor img = f.tensor("input.imresize.img");
            List<String> keys = f.file().keys().stream().filter(k -> k.startsWith(PREFIX)).sorted().toList();
            assertThat(keys).as("imresize cases").isNotEmpty();
            double worst = 0;
            for (String key : keys) {
                double scale = Double.parseDouble(key.substring(PREFIX.length()));
                worst = Math.max(worst, Golden.assertClose(key, MatlabImresize.imresize(img, scale, true),
                        f.tensor(key), TOL));
            }
            LOG.info("matlab imresize: scales {}, max abs diff {}", keys, worst);
        }
    }
}
