package dev.xpsr.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import dev.xpsr.golden.Golden;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.io.JsonConfig;
import dev.xpsr.io.RgbImage;
import dev.xpsr.model.ClipTokenizer;
import dev.xpsr.nn.WeightSource;
import dev.xpsr.testing.RestoresThreadCount;
import dev.xpsr.torch.ImageTensors;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Placement;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * pyiqa 0.1.10 {@code clipiqa} on the tiny CLIP of {@code clipiqa_tiny}: the sizes build_model reads from the
 * weights, the prompt token ids, the text features and, per photo, the trunk output, image features, logits, pair
 * probabilities and score (fixtures/golden/README.md, tolerances from its table). Every size, photo and prompt
 * comes from the file.
 */
@ExtendWith(RestoresThreadCount.class)
class ClipIqaGoldenTest {
    private static final Logger LOG = LoggerFactory.getLogger(ClipIqaGoldenTest.class);
    private static final String FIXTURE = "clipiqa_tiny";
    private static final double TEXT_TOL = 1e-4;
    private static final double LOGIT_TOL = 1e-4;
    private static final double IMAGE_TOL = 1e-5;
    private static final double SCORE_TOL = 1e-5;

    private static GoldenFixture fixture;
    private static ClipIqa clip;

    @BeforeAll
    static void load() {
        // one intra-op thread: the tiny network's many small operations spin-wait badly on a shared machine
        NativeStartup.ensureStarted(1);
        fixture = GoldenFixture.open(FIXTURE);
        clip = ClipIqa.load(List.of(weights(fixture)), Placement.CPU_FP32);
    }

    @AfterAll
    static void close() {
        fixture.close();
    }

    /** The state dict: every entry but the fixture's inputs and outputs. */
    private static WeightSource weights(GoldenFixture f) {
        return WeightSource.of(f.file()).without("input.", "output.");
    }

    @Test
    void architectureIsReadFromTheWeightsAsBuildModelReadsIt() {
        JsonConfig c = Golden.config(fixture).object("clip");
        ClipArchitecture a = clip.architecture();
        assertThat(a.visionLayers()).containsExactly(c.integers("vision_layers"));
        assertThat(a.visionWidth()).isEqualTo(c.integer("vision_width"));
        assertThat(a.imageResolution()).isEqualTo(c.integer("image_resolution"));
        assertThat(a.embedDim()).isEqualTo(c.integer("embed_dim"));
        assertThat(a.contextLength()).isEqualTo(c.integer("context_length"));
        assertThat(a.vocabSize()).isEqualTo(c.integer("vocab_size"));
        assertThat(a.transformerWidth()).isEqualTo(c.integer("transformer_width"));
        assertThat(a.transformerHeads()).isEqualTo(c.integer("transformer_heads"));
        assertThat(a.transformerLayers()).isEqualTo(c.integer("transformer_layers"));
        assertThat(a.visionHeads()).isEqualTo(c.integer("vision_heads"));
        assertThat(a.trunkChannels()).isEqualTo(c.integer("resnet_feature_dim"));
        LOG.info("{}: {}", FIXTURE, a);
    }

    @Test
    void promptTokenIdsAreExactlyClipTokenize() {
        List<String> prompts = new ArrayList<>();
        fixture.json("extra").get("prompts").forEach(p -> prompts.add(p.asText()));
        assertThat(ClipIqa.PROMPTS).as("pyiqa's fixed prompts").isEqualTo(prompts);
        long[][] ids = ClipIqa.tokenize(ClipTokenizer.bundled(), prompts, (int) clip.architecture().contextLength());
        try (PointerScope scope = new PointerScope()) {
            Tensor expected = fixture.tensor("input.prompt_token_ids");
            assertThat(Torch.shape(expected)).containsExactly(ids.length, ids[0].length);
            float[] want = Torch.toFloats(expected);
            for (int i = 0; i < ids.length; i++) {
                for (int j = 0; j < ids[i].length; j++) {
                    assertThat((float) ids[i][j]).as("prompt %d token %d", i, j)
                            .isEqualTo(want[i * ids[i].length + j]);
                }
            }
        }
    }

    @Test
    void textFeaturesMatch() {
        try (PointerScope scope = new PointerScope()) {
            double d = Golden.assertClose("text_features", clip.textFeatures(), fixture.tensor("output.text_features"),
                    TEXT_TOL);
            LOG.info("{} text_features: max abs diff {}", FIXTURE, d);
        }
    }

    @Test
    void everyPhotoMatchesOutputByOutput() throws Exception {
        int photos = 0;
        for (int i = 0; fixture.has("input.image_u8." + i); i++, photos++) {
            try (AutoCloseable mode = Torch.inferenceMode(); PointerScope scope = new PointerScope()) {
                Tensor hwc = fixture.tensor("input.image_u8." + i);
                // pyiqa's input: the 8-bit photo as CHW float32 / 255, one image, at its own size
                Tensor x = hwc.permute(2, 0, 1).unsqueeze(0).div(Torch.fromFloats(new float[] {255f}));
                ClipIqa.Outputs out = clip.outputs(x);
                String p = "photo " + i + " ";
                double[] diffs = {
                    Golden.assertClose(p + "layer4", out.layer4(), fixture.tensor("output.layer4." + i), IMAGE_TOL),
                    Golden.assertClose(p + "image_features", out.imageFeatures(),
                            fixture.tensor("output.image_features." + i), IMAGE_TOL),
                    Golden.assertClose(p + "logits_per_image", out.logitsPerImage(),
                            fixture.tensor("output.logits_per_image." + i), LOGIT_TOL),
                    Golden.assertClose(p + "pair probabilities", out.pairProbabilities(),
                            fixture.tensor("output.derived_pair_probs." + i), SCORE_TOL),
                    Golden.assertClose(p + "score", out.scores().unsqueeze(1), fixture.tensor("output.score." + i),
                            SCORE_TOL)};
                double viaImage = clip.score(ImageTensors.fromHwcTensor(hwc), null);
                double want = fixture.tensor("output.score." + i).item_double();
                assertThat(Math.abs(viaImage - want)).as(p + "score through the Metric API")
                        .isLessThanOrEqualTo(SCORE_TOL);
                LOG.info("{} {}: layer4 {}, image_features {}, logits {}, pair probs {}, score {} (max abs diffs)",
                        FIXTURE, p, diffs[0], diffs[1], diffs[2], diffs[3], diffs[4]);
            }
        }
        assertThat(photos).as("photos in " + FIXTURE).isPositive();
        JsonNode cases = fixture.json("extra").get("cases");
        if (cases != null) {
            assertThat(photos).as("photos stored = extra.cases").isEqualTo(cases.size());
        }
    }
}
