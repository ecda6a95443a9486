package dev.xpsr.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.xpsr.golden.Golden;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.io.JsonConfig;
import dev.xpsr.io.RgbImage;
import dev.xpsr.nn.WeightSource;
import dev.xpsr.torch.ImageTensors;
import dev.xpsr.torch.Placement;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * pyiqa 0.1.10's MANIQA against {@code maniqa_tiny}: the network is built from the stored MANIQA and timm ViT
 * arguments, and the photos are scored in their stored order by one metric whose numpy stream runs on from photo to
 * photo, as pyiqa's metric object does. Tolerances are those of the fixtures' README.
 */
class ManiqaGoldenTest {
    private static final Logger LOG = LoggerFactory.getLogger(ManiqaGoldenTest.class);
    private static final String FIXTURE = "maniqa_tiny";
    private static final double PER_PATCH = 2e-4;
    private static final double SCORE = 2e-5;
    private static final double VIT_FEATURES = 1e-4;
    private static final double STAGES = 5e-4;

    @Test
    void oneMetricObjectReproducesCropsPerPatchOutputsStagesAndScores() {
        try (GoldenFixture f = GoldenFixture.open(FIXTURE)) {
            Maniqa maniqa = load(f, config(f, null), Maniqa.CropDraws.CONTINUED);
            List<RgbImage> photos = photos(f);
            for (int i = 0; i < photos.size(); i++) {
                Tensor image = ImageTensors.toTensor(photos.get(i));
                Maniqa.Analysis a = maniqa.analyse(image);
                checkCrops("crop_positions." + i, a.crops(), f.tensor("output.crop_positions." + i));
                Tensor expectedScore = f.tensor("output.per_patch_score." + i);
                Tensor expectedWeight = f.tensor("output.per_patch_weight." + i);
                Tensor s = a.perPatchScore().reshape(Torch.shape(expectedScore));
                Tensor w = a.perPatchWeight().reshape(Torch.shape(expectedWeight));
                double ds = Golden.assertClose("per_patch_score." + i, s, expectedScore, PER_PATCH);
                double dw = Golden.assertClose("per_patch_weight." + i, w, expectedWeight, PER_PATCH);
                // Σ w·s / (Σ w + 1e-8) per crop, formed as the fixture derived it from the reference's tensors
                Tensor perCrop = w.mul(s).sum(1).div(Torch.add(w.sum(1), 1e-8));
                double dc = Golden.assertClose("derived_per_crop_score." + i, perCrop,
                        f.tensor("output.derived_per_crop_score." + i), PER_PATCH);
                Tensor expected = f.tensor("output.score." + i);
                double d = Golden.assertClose("score." + i, a.score().reshape(Torch.shape(expected)), expected, SCORE);
                LOG.info("photo {}: per-patch score diff {}, weight diff {}, per-crop diff {}, score diff {}", i, ds,
                        dw, dc, d);
                if (f.has("output.debug.crop0.vit_features." + i)) {
                    checkFirstCropStages(f, maniqa, image, a, i);
                }
            }
        }
    }

    /** {@code test_sample_1.*}: a second metric built with one crop per image, scoring the photos in order. */
    @Test
    void aMetricWithOneCropPerImageReproducesItsCropsAndScores() {
        try (GoldenFixture f = GoldenFixture.open(FIXTURE)) {
            Maniqa maniqa = load(f, config(f, 1), Maniqa.CropDraws.CONTINUED);
            List<RgbImage> photos = photos(f);
            for (int i = 0; i < photos.size(); i++) {
                Maniqa.Analysis a = maniqa.analyse(ImageTensors.toTensor(photos.get(i)));
                checkCrops("test_sample_1.crop_positions." + i, a.crops(),
                        f.tensor("output.test_sample_1.crop_positions." + i));
                Tensor expected = f.tensor("output.test_sample_1.score." + i);
                double d = Golden.assertClose("test_sample_1.score." + i, a.score().reshape(Torch.shape(expected)),
                        expected, SCORE);
                LOG.info("test_sample 1, photo {}: score diff {}", i, d);
            }
        }
    }

    /**
     * The metric's image path: a continued stream scores a list of photos as pyiqa scores them one call after
     * another, and fresh draws give every photo the score pyiqa gives it as the first image of a new metric
     * (photo 0's stored score).
     */
    @Test
    void imagePathsGiveTheStoredScoresForTheirStreams() {
        try (GoldenFixture f = GoldenFixture.open(FIXTURE)) {
            List<RgbImage> photos = photos(f);
            double[] continued = load(f, config(f, null), Maniqa.CropDraws.CONTINUED).scores(photos);
            for (int i = 0; i < photos.size(); i++) {
                assertThat(Math.abs(continued[i] - f.tensor("output.score." + i).item_double()))
                        .as("continued stream, photo " + i).isLessThanOrEqualTo(SCORE);
            }
            Maniqa fresh = load(f, config(f, null), Maniqa.CropDraws.FRESH_PER_IMAGE);
            double first = fresh.score(photos.get(photos.size() - 1), null);
            assertThat(Math.abs(fresh.score(photos.get(0), null) - f.tensor("output.score.0").item_double()))
                    .as("fresh draws for photo 0 after another photo").isLessThanOrEqualTo(SCORE);
            assertThat(fresh.score(photos.get(photos.size() - 1), null)).as("fresh draws repeat").isEqualTo(first);
        }
    }

    /** The generator against the first MT19937 outputs the fixture records for pyiqa's seed. */
    @Test
    void numpyGeneratorStartsWithTheRecordedWords() {
        try (GoldenFixture f = GoldenFixture.open(FIXTURE)) {
            JsonNode words = f.json("extra").path("mt19937_seed" + Maniqa.PYIQA_SEED + "_first_uint32");
            assertThat(words.isArray() && !words.isEmpty()).as("extra.mt19937_seed123_first_uint32").isTrue();
            NumpyRandomState random = new NumpyRandomState(Maniqa.PYIQA_SEED);
            for (JsonNode word : words) {
                assertThat(random.nextUint32()).isEqualTo(word.asLong());
            }
        }
    }

    private static void checkFirstCropStages(GoldenFixture f, Maniqa maniqa, Tensor image, Maniqa.Analysis a, int i) {
        Tensor crop = maniqa.cropBatch(maniqa.prepared(image), a.crops().subList(0, 1));
        ManiqaNetwork.Stages stages = maniqa.network().stages(crop);
        double dv = Golden.assertClose("debug.crop0.vit_features." + i, stages.vitFeatures().select(0, 0),
                f.tensor("output.debug.crop0.vit_features." + i), VIT_FEATURES);
        double d1 = Golden.assertClose("debug.crop0.stage1." + i, stages.stage1().select(0, 0),
                f.tensor("output.debug.crop0.stage1." + i), STAGES);
        double d2 = Golden.assertClose("debug.crop0.stage2." + i, stages.stage2().select(0, 0),
                f.tensor("output.debug.crop0.stage2." + i), STAGES);
        LOG.info("photo {} crop 0: vit_features diff {}, stage1 diff {}, stage2 diff {}", i, dv, d1, d2);
    }

    private static void checkCrops(String what, List<ManiqaCrops.Crop> crops, Tensor expected) {
        float[] rows = Torch.toFloats(expected);
        assertThat(Torch.shape(expected)).as(what + " shape").containsExactly(crops.size(), 2);
        for (int c = 0; c < crops.size(); c++) {
            assertThat(new float[] {crops.get(c).top(), crops.get(c).left()}).as(what + " crop " + c + " (sh, sw)")
                    .containsExactly(rows[2 * c], rows[2 * c + 1]);
        }
    }

    /** The stored MANIQA arguments, with {@code test_sample} replaced when {@code testSample} is given. */
    private static Maniqa.Config config(GoldenFixture f, Integer testSample) {
        JsonConfig all = Golden.config(f);
        JsonConfig maniqa = all.object("maniqa");
        if (testSample != null) {
            ObjectNode changed = maniqa.node().deepCopy();
            changed.put("test_sample", testSample);
            maniqa = new JsonConfig(changed, maniqa.source() + " with test_sample " + testSample);
        }
        return Maniqa.Config.fromPyiqaArguments(maniqa, all.object("vit").object("resolved"));
    }

    private static Maniqa load(GoldenFixture f, Maniqa.Config config, Maniqa.CropDraws draws) {
        return Maniqa.load("maniqa", config, WeightSource.of(f.file()).without("input.", "output."),
                Maniqa.PYIQA_SEED, draws, Placement.CPU_FP32);
    }

    private static List<RgbImage> photos(GoldenFixture f) {
        List<RgbImage> out = new ArrayList<>();
        for (Tensor hwc : f.tensorList("input.image_u8")) {
            out.add(ImageTensors.fromHwcTensor(hwc));
        }
        return out;
    }
}
