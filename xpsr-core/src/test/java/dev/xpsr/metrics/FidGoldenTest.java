package dev.xpsr.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import dev.xpsr.golden.Golden;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.io.JsonConfig;
import dev.xpsr.io.RgbImage;
import dev.xpsr.torch.ImageTensors;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * pyiqa 0.1.10 FID without the Inception network, against {@code fid_tiny}: the clean (Pillow 'F' bicubic) and
 * legacy (bilinear) preprocessing of each stored photo, and for each Fréchet case the float32 means, float64
 * covariances, the scipy square-root branch taken (eps offset, complex root) and the distance (fixtures/golden/
 * README.md, tolerances from its table). Photos, cases, sizes and branches all come from the file.
 */
class FidGoldenTest {
    private static final Logger LOG = LoggerFactory.getLogger(FidGoldenTest.class);
    private static final String FIXTURE = "fid_tiny";
    private static final double CLEAN_TOL = 1e-6;
    private static final double LEGACY_TOL = 2e-5;
    private static final double SIGMA_TOL = 1e-12;
    private static final double DISTANCE_REL_TOL = 1e-6;
    private static final Pattern FEATURES_KEY = Pattern.compile("input\\.fid\\.(.+)\\.feats1");
    private static final Pattern LEGACY_KEY = Pattern.compile("output\\.legacy_pytorch_channel(\\d+)\\.(\\d+)");

    private static GoldenFixture fixture;

    @BeforeAll
    static void open() {
        fixture = GoldenFixture.open(FIXTURE);
    }

    @AfterAll
    static void close() {
        fixture.close();
    }

    @Test
    void preprocessingMatchesResizeDatasetForEveryPhoto() {
        int[] size = Golden.config(fixture).object("resize").integers("size");
        assertThat(size).as("the Inception input size").containsExactly(FidMode.SIZE, FidMode.SIZE);
        int photos = 0;
        for (int i = 0; fixture.has("input.image_u8." + i); i++, photos++) {
            try (PointerScope scope = new PointerScope()) {
                RgbImage image = ImageTensors.fromHwcTensor(fixture.tensor("input.image_u8." + i));
                Tensor clean = FidMode.CLEAN.resized(image).squeeze(0);
                double cleanDiff = Golden.assertClose("photo " + i + " clean", clean,
                        fixture.tensor("output.clean." + i), CLEAN_TOL);
                assertThat(Torch.maxAbsDiff(FidMode.CLEAN.input(image).squeeze(0), clean))
                        .as("clean network input = ResizeDataset output").isZero();
                Tensor legacy = FidMode.LEGACY_PYTORCH.resized(image).squeeze(0);
                double legacyDiff = 0;
                for (int channel : legacyChannels(i)) {
                    legacyDiff = Math.max(legacyDiff, Golden.assertClose("photo " + i + " legacy channel " + channel,
                            legacy.select(0, channel), fixture.tensor(legacyKey(channel, i)), LEGACY_TOL));
                }
                assertThat(legacyChannels(i)).as("legacy channels stored for photo " + i).isNotEmpty();
                LOG.info("{} photo {} ({}x{}): clean max abs diff {}, legacy {}", FIXTURE, i, image.width(),
                        image.height(), cleanDiff, legacyDiff);
            }
        }
        assertThat(photos).as("photos in " + FIXTURE).isPositive();
    }

    /** The channels whose legacy resize the file stores for photo {@code i}. */
    private static List<Integer> legacyChannels(int photo) {
        List<Integer> channels = new ArrayList<>();
        for (String key : fixture.file().keys()) {
            Matcher m = LEGACY_KEY.matcher(key);
            if (m.matches() && Integer.parseInt(m.group(2)) == photo) {
                channels.add(Integer.parseInt(m.group(1)));
            }
        }
        return channels;
    }

    private static String legacyKey(int channel, int photo) {
        return "output.legacy_pytorch_channel" + channel + "." + photo;
    }

    @Test
    void frechetCasesMatchPyiqaWithTheirScipyBranches() {
        JsonConfig frechet = Golden.config(fixture).object("frechet");
        JsonNode float64 = fixture.json("float64");
        List<JsonNode> cases = new ArrayList<>();
        frechet.node().get("cases").forEach(cases::add);
        assertThat(cases).as("Fréchet cases in " + FIXTURE).isNotEmpty();
        assertThat(cases.stream().map(c -> c.get("name").asText()).toList()).as("config.frechet.cases names every "
                + "case stored").containsExactlyInAnyOrderElementsOf(storedCases());
        assertThat(FrechetDistance.EPS).isEqualTo(frechet.number("eps"));
        for (JsonNode c : cases) {
            String name = c.get("name").asText();
            String p = "output.fid." + name + ".";
            FrechetDistance.Statistics s1 = FrechetDistance.statistics(features("input.fid." + name + ".feats1"));
            FrechetDistance.Statistics s2 = FrechetDistance.statistics(features("input.fid." + name + ".feats2"));
            assertThat(s1.count()).as(name + " n1").isEqualTo(c.get("n1").asInt());
            assertThat(s2.count()).as(name + " n2").isEqualTo(c.get("n2").asInt());
            assertThat(s1.dimension()).as(name + " dimension").isEqualTo(frechet.integer("feature_dim"));
            assertThat(s1.mean()).as(name + " mu1 (bit-exact)").containsExactly(floats(p + "mu1"));
            assertThat(s2.mean()).as(name + " mu2 (bit-exact)").containsExactly(floats(p + "mu2"));
            double sigmaDiff = Math.max(
                    compareSigma(name + " sigma1", s1.covariance(), float64.get("fid." + name + ".sigma1")),
                    compareSigma(name + " sigma2", s2.covariance(), float64.get("fid." + name + ".sigma2")));

            FrechetDistance.Terms t = FrechetDistance.terms(s1, s2);
            JsonNode record = frechetCase(name);
            assertThat(t.offsetAdded()).as(name + ": eps branch taken")
                    .isEqualTo(record.get("eps_branch_taken").asBoolean());
            assertThat(t.complexRoot()).as(name + ": complex root, real part taken")
                    .isEqualTo(record.get("complex_result_real_part_taken").asBoolean());
            assertThat(t.meanTerm()).as(name + " diff.dot(diff) (float32)")
                    .isEqualTo((float) float64.get("fid." + name + ".diff_dot_diff").asDouble());
            double want = float64.get("fid." + name + ".distance").asDouble();
            double rel = Math.abs(t.distance() - want) / Math.abs(want);
            assertThat(rel).as(name + " distance " + t.distance() + " vs " + want + ", relative")
                    .isLessThanOrEqualTo(DISTANCE_REL_TOL);
            double traceWant = float64.get("fid." + name + ".trace_covmean").asDouble();
            LOG.info("{} {}: distance rel diff {} (trace of root {} vs {}), sigma max abs diff {}, eps branch {}, "
                    + "complex root {}", FIXTURE, name, rel, t.traceRoot(), traceWant, sigmaDiff, t.offsetAdded(),
                    t.complexRoot());
        }
    }

    /** The case names of the stored feature sets, {@code input.fid.<case>.feats1}. */
    private static List<String> storedCases() {
        List<String> names = new ArrayList<>();
        for (String key : fixture.file().keys()) {
            Matcher m = FEATURES_KEY.matcher(key);
            if (m.matches()) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    /** The case's record in {@code extra.frechet_cases}, which says which scipy branches ran. */
    private static JsonNode frechetCase(String name) {
        for (JsonNode c : fixture.json("extra").get("frechet_cases")) {
            if (c.get("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError(FIXTURE + " lists case '" + name + "' in config.frechet.cases but not in "
                + "extra.frechet_cases");
    }

    private static float[][] features(String key) {
        try (PointerScope scope = new PointerScope()) {
            Tensor t = fixture.tensor(key);
            long[] shape = Torch.shape(t);
            float[] flat = Torch.toFloats(t);
            float[][] rows = new float[(int) shape[0]][(int) shape[1]];
            for (int i = 0; i < rows.length; i++) {
                System.arraycopy(flat, i * rows[i].length, rows[i], 0, rows[i].length);
            }
            return rows;
        }
    }

    private static float[] floats(String key) {
        try (PointerScope scope = new PointerScope()) {
            return Torch.toFloats(fixture.tensor(key));
        }
    }

    /** Max |ours − float64 reference| of a covariance (the file's F32 copy is too coarse for the tolerance). */
    private static double compareSigma(String what, double[] ours, JsonNode expected) {
        int d = expected.size();
        assertThat(ours).as(what + " size").hasSize(d * d);
        double max = 0;
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                max = Math.max(max, Math.abs(ours[i * d + j] - expected.get(i).get(j).asDouble()));
            }
        }
        assertThat(max).as(what + " max abs diff").isLessThanOrEqualTo(SIGMA_TOL);
        return max;
    }
}
