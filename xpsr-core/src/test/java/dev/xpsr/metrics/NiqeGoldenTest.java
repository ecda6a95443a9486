package dev.xpsr.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.io.RgbImage;
import dev.xpsr.torch.ImageTensors;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** BasicSR 1.4.2 {@code calculate_niqe} on the five images of {@code basicsr_niqe.safetensors}. */
class NiqeGoldenTest {
    private static final Logger LOG = LoggerFactory.getLogger(NiqeGoldenTest.class);
    private static final double SCORE_REL = 1e-6;
    private static final double FEATURE_REL = 1e-6;

    static Path dataFile(String relative) {
        return Path.of(System.getProperty("xpsr.data", "../fixtures/data")).resolve(relative);
    }

    static Niqe niqe() throws IOException {
        return Niqe.load(dataFile("iqa/niqe/" + Niqe.PARAMS_FILE), 0);
    }

    @Test
    void scoresFeaturesAndRoundedYMatchBasicsr() throws IOException {
        Niqe niqe = niqe();
        try (GoldenFixture f = GoldenFixture.open("basicsr_niqe")) {
            JsonNode cases = f.json("extra").get("cases");
            assertThat(f.has("input.image_rgb_u8.0")).as("at least one image").isTrue();
            for (int i = 0; f.has("input.image_rgb_u8." + i); i++) {
                RgbImage image = ImageTensors.fromHwcTensor(f.tensor("input.image_rgb_u8." + i));
                FloatPlane y = niqe.roundedY(image);
                float[] wantY = Torch.toFloats(f.tensor("output.y_rounded_u8." + i));
                assertThat(y.values()).as("case " + i + " rounded Y").containsExactly(wantY);

                double[][] features = niqe.features(y);
                Tensor stored = f.tensor("output.features." + i);
                assertThat(Torch.shape(stored)).as("case " + i + " blocks x features")
                        .containsExactly(features.length, features[0].length);
                float[] want = Torch.toFloats(stored);
                double worst = 0;
                int flips = 0;
                for (int b = 0; b < features.length; b++) {
                    for (int k = 0; k < features[b].length; k++) {
                        double w = want[b * features[b].length + k];
                        double rel = Math.abs(features[b][k] - w) / Math.max(Math.abs(w), 1e-3);
                        worst = Math.max(worst, rel);
                        assertThat(rel).as("case %d block %d feature %d: %s vs %s", i, b, k, features[b][k], w)
                                .isLessThanOrEqualTo(FEATURE_REL);
                        if ((float) features[b][k] != want[b * features[b].length + k]) {
                            flips++;
                        }
                    }
                }
                double score = niqe.quality(features);
                double wantScore = cases.get(i).get("score").asDouble();
                double scoreRel = Math.abs(score - wantScore) / wantScore;
                LOG.info("niqe case {}: {} vs {} (rel {}), worst feature rel {}, features differing in float32 {}", i,
                        score, wantScore, scoreRel, worst, flips);
                assertThat(flips).as("case " + i + " features not equal to the stored float32 values").isZero();
                assertThat(scoreRel).as("case " + i + " score " + score + " vs " + wantScore)
                        .isLessThanOrEqualTo(SCORE_REL);
                assertThat(niqe.score(image, null)).isEqualTo(score);
            }
        }
    }

    @Test
    void imagesWithoutTwoBlocksAreRefusedAsTheReferenceFailsOnThem() throws IOException {
        Niqe niqe = niqe();
        RgbImage gray = RgbImage.filled(90, 200, 128, 128, 128);
        assertThatThrownBy(() -> niqe.score(gray, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("96x96");
        try (GoldenFixture f = GoldenFixture.open("basicsr_niqe")) {
            // one 96x96 block of the first image (NIQE's images hold at least two)
            RgbImage oneBlock = ImageTensors.fromHwcTensor(f.tensor("input.image_rgb_u8.0")).crop(0, 0, 96, 96);
            assertThatThrownBy(() -> niqe.score(oneBlock, null)).hasMessageContaining("at least two");
        }
        assertThat(niqe.name()).isEqualTo("niqe");
        assertThat(niqe.higherIsBetter()).isFalse();
        assertThat(niqe.needsReference()).isFalse();
    }

    @Test
    void cropBorderIsAppliedToTheYImage() throws IOException {
        try (GoldenFixture f = GoldenFixture.open("basicsr_niqe")) {
            RgbImage image = ImageTensors.fromHwcTensor(f.tensor("input.image_rgb_u8.0"));
            Niqe cropped = Niqe.load(dataFile("iqa/niqe/" + Niqe.PARAMS_FILE), 4);
            FloatPlane y = cropped.roundedY(image);
            assertThat(y.height()).isEqualTo(image.height() - 8);
            assertThat(y.get(0, 0)).isEqualTo(niqe().roundedY(image).get(4, 4));
        }
    }
}
