package dev.xpsr.degrade;

import com.fasterxml.jackson.databind.JsonNode;
import dev.xpsr.golden.Golden;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ResizeGoldenTest {
    private static final Logger LOG = LoggerFactory.getLogger(ResizeGoldenTest.class);
    private static final double TOL = 1e-5;

    @Test
    void everyInterpolateCaseMatchesTorchBySizeAndByScaleFactor() {
        try (GoldenFixture f = GoldenFixture.open("basicsr_degradations")) {
            Tensor img = f.tensor("input.interp.img");
            JsonNode cases = f.json("extra").required("interpolate");
            assertThat(cases.size()).as("interpolate cases").isPositive();
            Map<String, Double> diffs = new LinkedHashMap<>();
            for (JsonNode c : cases) {
                String key = c.required("key").asText();
                assertThat(c.required("antialias").asBoolean()).as(key + " antialias").isFalse();
                Tensor out = resize(img, c);
                assertThat(Torch.shape(out)).as(key + " shape").containsExactly(longs(c.required("out_shape")));
                diffs.put(key, Golden.assertClose(key, out, f.tensor(key), TOL));
            }
            LOG.info("interpolate max abs diff per case: {}", diffs);
        }
    }

    @Test
    void scaleFactorMapsCoordinatesWithTheInverseFactorNotInOverOut() {
        try (GoldenFixture f = GoldenFixture.open("basicsr_degradations")) {
            Tensor img = f.tensor("input.interp.img");
            long[] in = Torch.shape(img);
            double s = factorWithAFractionalWidth(in[3]);
            long h = (long) Math.floor(in[2] * s);
            long w = (long) Math.floor(in[3] * s);
            for (Resize.Mode mode : new Resize.Mode[] {Resize.Mode.BILINEAR, Resize.Mode.BICUBIC}) {
                Tensor byScale = Resize.byScale(img, mode, s);
                assertThat(Torch.shape(byScale)).as("floor(in * %s)", s).containsExactly(in[0], in[1], h, w);
                // in/out differs from 1/s along the width, so the sampling positions differ
                assertThat(Torch.maxAbsDiff(byScale, Resize.toSize(img, mode, h, w)))
                        .as("%d -> %d columns by factor %s vs by size", in[3], w, s).isGreaterThan(1e-3);
            }
            Tensor area = Resize.byScale(img, Resize.Mode.AREA, s);
            assertThat(Torch.maxAbsDiff(area, Resize.toSize(img, Resize.Mode.AREA, h, w))).isZero();
        }
    }

    /**
     * A shrinking factor s for which width·s lies at least 0.1 above a whole number, so that width / ⌊width·s⌋ differs
     * clearly from 1/s.
     */
    private static double factorWithAFractionalWidth(long width) {
        for (double s : new double[] {0.7, 0.73, 0.66, 0.59}) {
            double fraction = width * s - Math.floor(width * s);
            if (fraction >= 0.1) {
                return s;
            }
        }
        throw new AssertionError("no test factor gives a fractional width for " + width + " columns");
    }

    private static Tensor resize(Tensor img, JsonNode c) {
        Resize.Mode mode = Resize.Mode.fromName(c.required("mode").asText());
        JsonNode size = c.required("size");
        if (!size.isNull()) {
            return Resize.toSize(img, mode, size.get(0).asLong(), size.get(1).asLong());
        }
        return Resize.byScale(img, mode, c.required("scale_factor").asDouble());
    }

    private static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asLong();
        }
        return out;
    }
}
