package dev.xpsr.metrics;

import dev.xpsr.golden.Golden;
import dev.xpsr.golden.GoldenFixture;
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
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * pyiqa 0.1.10's MUSIQ against {@code musiq_tiny}: the network is built from the stored constructor arguments, the
 * main head's class count from {@code config.num_class}, and every other head from its {@code num_class_K.head.*}
 * keys; every stored photo is checked, with the tolerances of the fixtures' README.
 */
class MusiqGoldenTest {
    private static final Logger LOG = LoggerFactory.getLogger(MusiqGoldenTest.class);
    private static final String FIXTURE = "musiq_tiny";
    private static final Pattern OTHER_HEAD = Pattern.compile("^(num_class_(\\d+))\\.head\\.");
    private static final double PIXELS = 1e-5;
    private static final double EMBEDDINGS = 1e-4;
    private static final double SCORE_OF_ONE_CLASS = 1e-5;
    private static final double SCORE_OF_A_DISTRIBUTION = 1e-4;
    private static final double DIST = 1e-5;

    @Test
    void mainHeadReproducesPatchesEmbeddingsEncoderAndScores() {
        try (GoldenFixture f = GoldenFixture.open(FIXTURE)) {
            Musiq.Config config = Musiq.Config.fromPyiqaArguments(Golden.config(f));
            Map<String, Integer> otherHeads = otherHeads(f);
            Musiq musiq = Musiq.load(config, backbone(f).without(otherHeads.keySet().toArray(new String[0])),
                    Placement.CPU_FP32);
            List<RgbImage> photos = photos(f);
            for (int i = 0; i < photos.size(); i++) {
                Musiq.Analysis a = musiq.analyse(ImageTensors.toTensor(photos.get(i)));
                double pixels = checkTokens(f, i, a.patches());
                double embedding = Golden.assertClose("embedding_out." + i, a.outputs().embedding(),
                        f.tensor("output.embedding_out." + i), EMBEDDINGS);
                double encoder = Golden.assertClose("encoder_out." + i, a.outputs().encoded(),
                        f.tensor("output.encoder_out." + i), EMBEDDINGS);
                LOG.info("photo {}: pixel columns diff {}, embedding_out diff {}, encoder_out diff {}", i, pixels,
                        embedding, encoder);
                checkHead(f, "output.", i, config.numClass(), a.outputs(), musiq.score(photos.get(i), null));
            }
        }
    }

    @Test
    void everyOtherHeadOnTheSameBackboneReproducesItsScoreAndDistribution() {
        try (GoldenFixture f = GoldenFixture.open(FIXTURE)) {
            Musiq.Config config = Musiq.Config.fromPyiqaArguments(Golden.config(f));
            Map<String, Integer> otherHeads = otherHeads(f);
            assertThat(otherHeads).as("num_class_K.head.* keys of another head").isNotEmpty();
            List<RgbImage> photos = photos(f);
            for (Map.Entry<String, Integer> head : otherHeads.entrySet()) {
                assertThat(head.getValue()).as(head.getKey() + " differs from the main head")
                        .isNotEqualTo(config.numClass());
                Musiq musiq = Musiq.load(config.withNumClass(head.getValue()), withHead(backbone(f), head.getKey()),
                        Placement.CPU_FP32);
                for (int i = 0; i < photos.size(); i++) {
                    Musiq.Analysis a = musiq.analyse(ImageTensors.toTensor(photos.get(i)));
                    checkHead(f, "output." + head.getKey(), i, head.getValue(), a.outputs(),
                            musiq.score(photos.get(i), null));
                }
            }
        }
    }

    /** The pixel columns within {@link #PIXELS} (their difference is returned); the other columns exactly. */
    private static double checkTokens(GoldenFixture f, int i, MusiqPatches.Result r) {
        Tensor expected = f.tensor("output.patches." + i);
        long length = r.layout().length();
        long pixels = expected.size(2) - 3;
        assertThat(Torch.shape(expected)).as("patches." + i + " shape").containsExactly(1, length, pixels + 3);
        double diff = Golden.assertClose("patches." + i + " pixels", r.patches().reshape(1, length, -1),
                expected.narrow(2, 0, pixels), PIXELS);
        String[] columns = {"spatial_positions", "scale_positions", "input_mask"};
        long[][] ours = {r.layout().spatialPositions(), r.layout().scaleIds(), r.layout().mask()};
        for (int k = 0; k < columns.length; k++) {
            float[] stored = Torch.toFloats(f.tensor("output." + columns[k] + "." + i));
            float[] inPatches = Torch.toFloats(expected.narrow(2, pixels + k, 1).contiguous());
            assertThat(inPatches).as(columns[k] + "." + i + " column of patches").containsExactly(stored);
            assertThat(ours[k]).as(columns[k] + "." + i).hasSize(stored.length);
            for (int t = 0; t < stored.length; t++) {
                assertThat((float) ours[k][t]).as(columns[k] + "." + i + " token " + t).isEqualTo(stored[t]);
            }
        }
        return diff;
    }

    /** dist and score of one photo under {@code prefix}; a distribution's mean gets the looser score tolerance. */
    private static void checkHead(GoldenFixture f, String prefix, int i, int classes, MusiqNetwork.Outputs out,
            double viaImage) {
        double scoreTolerance = classes > 1 ? SCORE_OF_A_DISTRIBUTION : SCORE_OF_ONE_CLASS;
        Tensor expectedScore = f.tensor(prefix + "score." + i);
        double d = Golden.assertClose(prefix + "dist." + i, out.dist(), f.tensor(prefix + "dist." + i), DIST);
        double s = Golden.assertClose(prefix + "score." + i, out.mos().reshape(Torch.shape(expectedScore)),
                expectedScore, scoreTolerance);
        assertThat(Math.abs(viaImage - expectedScore.item_double())).as(prefix + "score." + i + " via the image path")
                .isLessThanOrEqualTo(scoreTolerance);
        LOG.info("{}: {} classes, photo {}: score diff {}, dist diff {}", prefix, classes, i, s, d);
    }

    private static WeightSource backbone(GoldenFixture f) {
        return WeightSource.of(f.file()).without("input.", "output.");
    }

    /** The other heads stored beside the main one: key prefix {@code num_class_K.} → K. */
    private static Map<String, Integer> otherHeads(GoldenFixture f) {
        Map<String, Integer> out = new TreeMap<>();
        for (String key : f.file().keys()) {
            Matcher m = OTHER_HEAD.matcher(key);
            if (m.find()) {
                out.put(m.group(1) + ".", Integer.parseInt(m.group(2)));
            }
        }
        return out;
    }

    /** The backbone with the head stored under {@code prefix} in place of the main head. */
    private static WeightSource withHead(WeightSource all, String prefix) {
        return WeightViews.merged(List.of(all), key -> key.startsWith(prefix) ? key.substring(prefix.length())
                : key.startsWith("head.") || OTHER_HEAD.matcher(key).find() ? null : key);
    }

    private static List<RgbImage> photos(GoldenFixture f) {
        List<RgbImage> out = new ArrayList<>();
        for (Tensor hwc : f.tensorList("input.image_u8")) {
            out.add(ImageTensors.fromHwcTensor(hwc));
        }
        return out;
    }
}
