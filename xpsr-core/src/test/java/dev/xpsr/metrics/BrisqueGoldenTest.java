package dev.xpsr.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.io.RgbImage;
import dev.xpsr.torch.ImageTensors;
import dev.xpsr.torch.Torch;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/** OpenCV 4.6 contrib {@code QualityBRISQUE} features and scores stored in {@code brisque.safetensors}. */
class BrisqueGoldenTest {
    private static final Logger LOG = LoggerFactory.getLogger(BrisqueGoldenTest.class);
    private static final double FEATURE_REL = 1e-5;
    private static final double SCORE_ABS = 1e-3;

    static Brisque brisque() throws IOException {
        return Brisque.load(NiqeGoldenTest.dataFile("iqa/brisque/" + Brisque.MODEL_FILE),
                NiqeGoldenTest.dataFile("iqa/brisque/" + Brisque.RANGE_FILE));
    }

    @Test
    void featuresAndScoresMatchOpenCv() throws IOException {
        Brisque brisque = brisque();
        try (GoldenFixture f = GoldenFixture.open("brisque")) {
            JsonNode cases = f.json("extra").get("cases");
            assertThat(f.has("input.image_rgb_u8.0")).as("at least one image").isTrue();
            for (int i = 0; f.has("input.image_rgb_u8." + i); i++) {
                RgbImage image = ImageTensors.fromHwcTensor(f.tensor("input.image_rgb_u8." + i));
                float[] features = brisque.features(image);
                float[] want = Torch.toFloats(f.tensor("output.features." + i));
                assertThat(features).as("case " + i + " feature count").hasSameSizeAs(want);
                double worst = 0;
                for (int k = 0; k < want.length; k++) {
                    double rel = Math.abs(features[k] - want[k]) / Math.max(Math.abs(want[k]), 1e-6);
                    worst = Math.max(worst, rel);
                    assertThat(rel).as("case %d feature %d: %s vs %s", i, k, features[k], want[k])
                            .isLessThanOrEqualTo(FEATURE_REL);
                }
                double score = brisque.score(image, null);
                double wantScore = cases.get(i).get("score").asDouble();
                LOG.info("brisque case {}: {} vs {} (abs {}), worst feature rel {}", i, score, wantScore,
                        Math.abs(score - wantScore), worst);
                assertThat(Math.abs(score - wantScore)).as("case " + i + " score").isLessThanOrEqualTo(SCORE_ABS);
            }
        }
    }

    @Test
    void aFlatImageGivesNaNAsOpenCvDoes() throws IOException {
        // every MSCN coefficient is 0 or NaN: the AGGD fit divides 0 by 0, the SVR returns NaN and the clamp keeps it
        assertThat(brisque().score(RgbImage.filled(64, 48, 90, 90, 90), null)).isNaN();
        assertThat(brisque().description()).contains("brisque_model_live.yml");
    }
}
