package dev.xpsr.metrics;

import dev.xpsr.bench.RandomWeights;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import dev.xpsr.io.SafetensorsWriter;
import dev.xpsr.io.TensorData;
import dev.xpsr.nn.WeightMismatchException;
import dev.xpsr.testing.RestoresThreadCount;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Placement;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** FID: the Fréchet distance against closed forms, the Inception's keys, the input preparation, the network. */
@ExtendWith(RestoresThreadCount.class)
class FidTest {
    private static final Logger LOG = LoggerFactory.getLogger(FidTest.class);
    private static final Path DATA = Path.of(System.getProperty("xpsr.data", "../fixtures/data"));
    private static final int TINY = 16;

    @BeforeAll
    static void start() {
        // one intra-op thread: the many small operations of a narrow network spin-wait badly on a shared machine
        NativeStartup.ensureStarted(1);
    }

    // ---------------------------------------------------------------- Fréchet distance

    @Test
    void identicalSetsAreAtDistanceZero() {
        SplittableRandom rng = new SplittableRandom(1);
        // 40 vectors of 8 values (full-rank covariance) and 5 vectors of 12 (singular covariance)
        for (int[] nd : new int[][] {{40, 8}, {5, 12}}) {
            float[][] f = new float[nd[0]][nd[1]];
            for (float[] row : f) {
                for (int j = 0; j < row.length; j++) {
                    row[j] = (float) (3 * rng.nextDouble() - 1);
                }
            }
            FrechetDistance.Statistics s = FrechetDistance.statistics(f);
            assertThat(FrechetDistance.distance(s, s)).as("n=%d d=%d", nd[0], nd[1]).isCloseTo(0, within(1e-6));
        }
    }

    @Test
    void diagonalCovariancesGiveTheClosedForm() {
        double[] m1 = {0.5, -1, 2, 0};
        double[] m2 = {1.5, 1, 2, -0.25};
        double[] v1 = {1, 4, 0.25, 9};
        double[] v2 = {4, 1, 0.25, 0.01};
        double want = 0;
        for (int i = 0; i < 4; i++) {
            want += (m1[i] - m2[i]) * (m1[i] - m2[i]) + v1[i] + v2[i] - 2 * Math.sqrt(v1[i] * v2[i]);
        }
        double got = FrechetDistance.distance(stats(m1, diag(v1)), stats(m2, diag(v2)));
        assertThat(got).isCloseTo(want, within(1e-12));
    }

    /**
     * Non-commuting 2×2 covariances: for a 2×2 matrix M with positive eigenvalues, tr √M = √(tr M + 2 √det M)
     * (since (√a + √b)² = a + b + 2√(ab)). Σ1 = diag(4, 1), Σ2 = [[2, 1], [1, 2]]: Σ1Σ2 = [[8, 4], [1, 2]],
     * tr 10, det 12.
     */
    @Test
    void twoByTwoExampleMatchesTheTraceFormula() {
        double[] s1 = {4, 0, 0, 1};
        double[] s2 = {2, 1, 1, 2};
        double trRoot = Math.sqrt(10 + 2 * Math.sqrt(12));
        double want = (1 * 1 + 2 * 2) + 5 + 4 - 2 * trRoot;
        double got = FrechetDistance.distance(stats(new double[] {0, 0}, s1), stats(new double[] {1, -2}, s2));
        assertThat(got).isCloseTo(want, within(1e-12));
    }

    /**
     * pyiqa's eps branch: a feature that is 0 throughout one set and another that is 0 throughout the other make
     * scipy's square root fail (inside one 64-block), so 1e-6·I is added to both covariances; one constant feature
     * shared by both sets gives a single zero eigenvalue and no failure, and above 128 dimensions the two zeros
     * fall in different blocks, where scipy does not fail.
     */
    @Test
    void differentConstantFeaturesInTheTwoSetsTakeTheEpsBranchWithinOneBlock() {
        assertThat(terms(16, 3, 11).offsetAdded()).isTrue();
        assertThat(terms(16, 5, 5).offsetAdded()).isFalse();
        assertThat(terms(130, 3, 11).offsetAdded()).isFalse();
        FrechetDistance.Terms t = terms(16, 3, 11);
        assertThat(t.distance()).isFinite().isPositive();
    }

    private static FrechetDistance.Terms terms(int d, int dead1, int dead2) {
        return FrechetDistance.terms(FrechetDistance.statistics(features(2 * d, d, dead1, 1)),
                FrechetDistance.statistics(features(2 * d + 4, d, dead2, 2)));
    }

    private static float[][] features(int n, int d, int dead, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[][] f = new float[n][d];
        for (float[] row : f) {
            for (int j = 0; j < d; j++) {
                row[j] = j == dead ? 0 : (float) rng.nextDouble();
            }
        }
        return f;
    }

    /** A square root whose diagonal is clearly imaginary (a negative "variance") is refused, as pyiqa raises. */
    @Test
    void clearlyImaginaryRootIsRefused() {
        FrechetDistance.Statistics a = stats(new double[] {0, 0}, new double[] {1, 0, 0, -1});
        FrechetDistance.Statistics b = stats(new double[] {0, 0}, new double[] {1, 0, 0, 1});
        assertThatThrownBy(() -> FrechetDistance.distance(a, b)).isInstanceOf(ArithmeticException.class)
                .hasMessageContaining("imaginary component 1.0");
    }

    @Test
    void statisticsAreMeanAndUnbiasedCovariance() {
        // x: 1, 3, 5 (mean 3, deviations -2 0 2); y: 2, 4, 0 (mean 2, deviations 0 2 -2)
        FrechetDistance.Statistics s = FrechetDistance.statistics(new float[][] {{1, 2}, {3, 4}, {5, 0}});
        assertThat(s.mean()).containsExactly(3f, 2f);
        assertThat(s.covariance()).containsExactly(new double[] {4, -2, -2, 4}, within(1e-12));
        assertThatThrownBy(() -> FrechetDistance.statistics(new float[][] {{1, 2}}))
                .hasMessageContaining("at least 2");
    }

    private static FrechetDistance.Statistics stats(double[] mean, double[] cov) {
        float[] mean32 = new float[mean.length];
        for (int i = 0; i < mean.length; i++) {
            mean32[i] = (float) mean[i];
        }
        return new FrechetDistance.Statistics(mean32, cov, 2);
    }

    private static double[] diag(double[] v) {
        double[] m = new double[v.length * v.length];
        for (int i = 0; i < v.length; i++) {
            m[i * v.length + i] = v[i];
        }
        return m;
    }

    // ---------------------------------------------------------------- network keys and loading

    /** The key names of torchvision's Inception3 blocks, as in pt_inception-2015-12-05-6726825d.pth. */
    @Test
    void fullNetworkHasTheCheckpointKeysAndShapes() {
        List<String> convs = new ArrayList<>(List.of("Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3",
                "Conv2d_3b_1x1", "Conv2d_4a_3x3"));
        for (String b : List.of("Mixed_5b", "Mixed_5c", "Mixed_5d")) {
            branches(convs, b, "branch1x1", "branch5x5_1", "branch5x5_2", "branch3x3dbl_1", "branch3x3dbl_2",
                    "branch3x3dbl_3", "branch_pool");
        }
        branches(convs, "Mixed_6a", "branch3x3", "branch3x3dbl_1", "branch3x3dbl_2", "branch3x3dbl_3");
        for (String b : List.of("Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e")) {
            branches(convs, b, "branch1x1", "branch7x7_1", "branch7x7_2", "branch7x7_3", "branch7x7dbl_1",
                    "branch7x7dbl_2", "branch7x7dbl_3", "branch7x7dbl_4", "branch7x7dbl_5", "branch_pool");
        }
        branches(convs, "Mixed_7a", "branch3x3_1", "branch3x3_2", "branch7x7x3_1", "branch7x7x3_2",
                "branch7x7x3_3", "branch7x7x3_4");
        for (String b : List.of("Mixed_7b", "Mixed_7c")) {
            branches(convs, b, "branch1x1", "branch3x3_1", "branch3x3_2a", "branch3x3_2b", "branch3x3dbl_1",
                    "branch3x3dbl_2", "branch3x3dbl_3a", "branch3x3dbl_3b", "branch_pool");
        }
        TreeSet<String> want = new TreeSet<>();
        for (String c : convs) {
            for (String p : List.of(".conv.weight", ".bn.weight", ".bn.bias", ".bn.running_mean", ".bn.running_var")) {
                want.add(c + p);
            }
        }
        InceptionV3 net = new InceptionV3(1);
        Map<String, Tensor> sd = net.stateDict();
        assertThat(new TreeSet<>(sd.keySet())).isEqualTo(want);
        assertThat(convs).hasSize(94);
        // shapes from torchvision's definitions with the FID patches' channel counts
        Map<String, long[]> shapes = Map.of(
                "Conv2d_1a_3x3.conv.weight", new long[] {32, 3, 3, 3},
                "Conv2d_4a_3x3.conv.weight", new long[] {192, 80, 3, 3},
                "Mixed_5b.branch_pool.conv.weight", new long[] {32, 192, 1, 1},
                "Mixed_6a.branch3x3.conv.weight", new long[] {384, 288, 3, 3},
                "Mixed_6b.branch7x7_2.conv.weight", new long[] {128, 128, 1, 7},
                "Mixed_6e.branch7x7dbl_2.conv.weight", new long[] {192, 192, 7, 1},
                "Mixed_7a.branch3x3_2.conv.weight", new long[] {320, 192, 3, 3},
                "Mixed_7b.branch3x3_2b.conv.weight", new long[] {384, 384, 3, 1},
                "Mixed_7c.branch3x3dbl_1.conv.weight", new long[] {448, 2048, 1, 1},
                "Mixed_7c.branch_pool.bn.running_var", new long[] {192});
        shapes.forEach((k, s) -> assertThat(Torch.shape(sd.get(k))).as(k).containsExactly(s));
        assertThat(net.featureCount()).isEqualTo(2048);
    }

    private static void branches(List<String> out, String block, String... names) {
        for (String n : names) {
            out.add(block + "." + n);
        }
    }

    @Test
    void checkpointWithClassifierAndCountersLoadsAndAWrongShapeIsNamed(@TempDir Path dir) throws Exception {
        Map<String, TensorData> sd = withCheckpointExtras(RandomWeights.stateDict(new InceptionV3(TINY), 7));
        Path file = dir.resolve("pt_inception-2015-12-05-6726825d.safetensors");
        SafetensorsWriter.write(file, sd, null);
        try (WeightOpener.Opened w = WeightOpener.standard().open(file)) {
            Fid fid = Fid.load(List.of(w), FidMode.CLEAN, Placement.CPU_FP32, TINY);
            assertThat(fid.description()).contains("mode='clean'").contains(file.getFileName().toString());
        }
        sd.put("Mixed_6b.branch7x7_2.conv.weight", TensorData.ofFloats(new long[] {8, 8, 7, 1}, new float[448]));
        SafetensorsWriter.write(file, sd, null);
        try (WeightOpener.Opened w = WeightOpener.standard().open(file)) {
            assertThatThrownBy(() -> Fid.load(List.of(w), FidMode.CLEAN, Placement.CPU_FP32, TINY))
                    .isInstanceOf(WeightMismatchException.class)
                    .hasMessageContaining("Mixed_6b.branch7x7_2.conv.weight").hasMessageContaining("[8, 8, 7, 1]");
        }
    }

    /** The classifier and BatchNorm counters a torchvision checkpoint also holds. */
    private static Map<String, TensorData> withCheckpointExtras(Map<String, TensorData> sd) {
        Map<String, TensorData> out = new LinkedHashMap<>(sd);
        out.put("fc.weight", TensorData.ofFloats(new long[] {1008, 2048 / TINY}, new float[1008 * 2048 / TINY]));
        out.put("fc.bias", TensorData.ofFloats(new long[] {1008}, new float[1008]));
        out.put("Conv2d_1a_3x3.bn.num_batches_tracked", TensorData.ofLongs(new long[] {}, new long[] {0}));
        return out;
    }

    @Test
    void registryNamesTheWeightFileAndItsUrl(@TempDir Path empty) {
        MetricRegistry r = MetricRegistry.standard(MetricRegistry.Settings.defaults(empty, empty));
        MetricRegistry.Entry<DistributionMetric> e = r.distributionEntry("fid");
        assertThat(e.available()).isFalse();
        assertThat(e.unavailableReason().orElseThrow()).contains("pt_inception-2015-12-05-6726825d.pth")
                .contains("https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/");
    }

    // ---------------------------------------------------------------- input preparation

    /** pytorch-fid: x/255, bilinear (align_corners False, source = (dst + ½)·in/out − ½, clamped), 2x − 1. */
    @Test
    void legacyInputIsBilinearResizeScaledToPlusMinusOne() {
        RgbImage img = randomImage(37, 23, 3);
        float[] got = Torch.toFloats(FidMode.LEGACY_PYTORCH.input(img));
        int s = FidMode.SIZE;
        SplittableRandom rng = new SplittableRandom(5);
        for (int t = 0; t < 200; t++) {
            int c = rng.nextInt(3);
            int y = rng.nextInt(s);
            int x = rng.nextInt(s);
            double v = bilinear(img, c, y, x, s);
            assertThat(got[(c * s + y) * s + x]).as("c%d y%d x%d", c, y, x).isCloseTo((float) (2 * v - 1),
                    within(1e-5f));
        }
    }

    private static double bilinear(RgbImage img, int c, int y, int x, int out) {
        double sy = Math.max((y + 0.5) * img.height() / out - 0.5, 0);
        double sx = Math.max((x + 0.5) * img.width() / out - 0.5, 0);
        int y0 = (int) sy;
        int x0 = (int) sx;
        int y1 = Math.min(y0 + 1, img.height() - 1);
        int x1 = Math.min(x0 + 1, img.width() - 1);
        double ly = sy - y0;
        double lx = sx - x0;
        double top = (1 - lx) * img.get(x0, y0, c) + lx * img.get(x1, y0, c);
        double bottom = (1 - lx) * img.get(x0, y1, c) + lx * img.get(x1, y1, c);
        return ((1 - ly) * top + ly * bottom) / 255;
    }

    @Test
    void cleanInputOfAConstantImageIsExact() {
        float[] got = Torch.toFloats(FidMode.CLEAN.input(RgbImage.filled(640, 101, 77, 0, 255)));
        int plane = FidMode.SIZE * FidMode.SIZE;
        assertThat(got[0]).isEqualTo((77f - 128) / 128);
        assertThat(got[plane + 5]).isEqualTo(-1f);
        assertThat(got[2 * plane + plane - 1]).isEqualTo(127f / 128);
        for (int c = 0; c < 3; c++) {
            float[] ch = Arrays.copyOfRange(got, c * plane, (c + 1) * plane);
            float first = ch[0];
            for (float v : ch) {
                assertThat(v).isEqualTo(first);
            }
        }
    }

    /**
     * Pillow's antialiased bicubic (a = −0.5, support 2·max(in/out, 1), weights normalised per output), computed
     * here directly in two dimensions in double; Pillow stores the horizontal pass as float, hence the tolerance.
     * An upscale of a 0/255 checkerboard overshoots, and the clip to [0, 255] bounds the input by ±1 exactly.
     */
    @Test
    void cleanInputIsPillowBicubicPerChannelClippedAndCentred() {
        for (int[] size : new int[][] {{613, 517}, {64, 48}}) {
            RgbImage img = randomImage(size[0], size[1], 11);
            float[] got = Torch.toFloats(FidMode.CLEAN.input(img));
            SplittableRandom rng = new SplittableRandom(2);
            for (int t = 0; t < 60; t++) {
                int c = rng.nextInt(3);
                int y = rng.nextInt(FidMode.SIZE);
                int x = rng.nextInt(FidMode.SIZE);
                double v = Math.min(Math.max(pillowBicubic(img, c, y, x), 0), 255);
                assertThat((double) got[(c * FidMode.SIZE + y) * FidMode.SIZE + x]).as("%s c%d y%d x%d",
                        Arrays.toString(size), c, y, x).isCloseTo((v - 128) / 128, within(2e-6));
            }
        }
        byte[] board = new byte[3 * 40 * 40];
        for (int i = 0; i < 40 * 40; i++) {
            byte v = (byte) (((i / 40 + i % 40) % 2) * 255);
            board[3 * i] = v;
            board[3 * i + 1] = v;
            board[3 * i + 2] = v;
        }
        float[] up = Torch.toFloats(FidMode.CLEAN.input(RgbImage.of(40, 40, board)));
        float max = -2;
        float min = 2;
        for (float v : up) {
            max = Math.max(max, v);
            min = Math.min(min, v);
        }
        assertThat(max).isEqualTo(127f / 128);
        assertThat(min).isEqualTo(-1f);
    }

    private static double pillowBicubic(RgbImage img, int c, int y, int x) {
        double[] wy = weights(img.height(), y);
        double[] wx = weights(img.width(), x);
        double sum = 0;
        for (int j = 0; j < img.height(); j++) {
            for (int i = 0; i < img.width(); i++) {
                if (wy[j] != 0 && wx[i] != 0) {
                    sum += wy[j] * wx[i] * img.get(i, j, c);
                }
            }
        }
        return sum;
    }

    /**
     * Normalised weights of every input index for output {@code o} of a resize from {@code in} to 299: Keys'
     * cubic (a = −0.5) of the distance between centres, divided by the stretch; zero beyond its support of 2.
     */
    private static double[] weights(int in, int o) {
        double scale = (double) in / FidMode.SIZE;
        double stretch = Math.max(scale, 1);
        double center = (o + 0.5) * scale;
        double[] w = new double[in];
        double total = 0;
        for (int i = 0; i < in; i++) {
            double t = Math.abs((i + 0.5 - center) / stretch);
            w[i] = t < 1 ? 1.5 * t * t * t - 2.5 * t * t + 1 : t < 2 ? -0.5 * t * t * t + 2.5 * t * t - 4 * t + 2 : 0;
            total += w[i];
        }
        for (int i = 0; i < in; i++) {
            w[i] /= total;
        }
        return w;
    }

    // ---------------------------------------------------------------- the network on photos

    @Test
    void featuresOfPhotosAreFiniteDeterministicAndIndependentOfTheBatch(@TempDir Path dir) throws Exception {
        Map<String, TensorData> sd = RandomWeights.stateDict(new InceptionV3(TINY), 3);
        Path file = dir.resolve("w.safetensors");
        SafetensorsWriter.write(file, sd, null);
        List<RgbImage> photos = photos("opencv_baboon.png", "skimage_astronaut.png", "opencv_fruits.png",
                "opencv_dnn_superres_butterfly_set5.png");
        try (WeightOpener.Opened w = WeightOpener.standard().open(file)) {
            for (FidMode mode : FidMode.values()) {
                Fid fid = Fid.load(List.of(w), mode, Placement.CPU_FP32, TINY);
                float[][] batch = fid.features(photos);
                for (int i = 0; i < photos.size(); i++) {
                    float[] alone = fid.features(List.of(photos.get(i)))[0];
                    assertThat(alone).hasSize(2048 / TINY);
                    for (int j = 0; j < alone.length; j++) {
                        assertThat(Double.isFinite(alone[j])).isTrue();
                        assertThat(alone[j]).isCloseTo(batch[i][j], within(1e-5f * (1 + Math.abs(alone[j]))));
                    }
                }
                FrechetDistance.Statistics a = FrechetDistance.statistics(Arrays.copyOfRange(batch, 0, 2));
                FrechetDistance.Statistics b = FrechetDistance.statistics(Arrays.copyOfRange(batch, 2, 4));
                double ab = FrechetDistance.distance(a, b);
                LOG.info("tiny FID {}: a-b {}, b-a {}", mode, ab, FrechetDistance.distance(b, a));
                assertThat(ab).isPositive().isCloseTo(FrechetDistance.distance(b, a), within(1e-7 * ab));
                if (mode == FidMode.CLEAN) {
                    Fid again = Fid.load(List.of(w), mode, Placement.CPU_FP32, TINY);
                    assertThat(again.features(photos)).isDeepEqualTo(batch);
                    List<RgbImage> first = photos.subList(0, 2);
                    assertThat(fid.score(first, photos.subList(2, 4))).isCloseTo(ab, within(1e-9 * ab));
                    assertThat(fid.score(first, first)).isCloseTo(0, within(1e-6 * ab));
                }
            }
        }
    }

    static List<RgbImage> photos(String... names) throws Exception {
        List<RgbImage> out = new ArrayList<>();
        for (String n : names) {
            out.add(ImageFiles.read(DATA.resolve("images/hr").resolve(n)));
        }
        return out;
    }

    static RgbImage randomImage(int w, int h, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        byte[] px = new byte[3 * w * h];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) rng.nextInt(256);
        }
        return RgbImage.of(w, h, px);
    }
}
