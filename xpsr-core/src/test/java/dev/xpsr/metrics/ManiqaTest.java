package dev.xpsr.metrics;

import dev.xpsr.io.DType;
import dev.xpsr.io.JsonConfig;
import dev.xpsr.io.ModelConfigException;
import dev.xpsr.io.RgbImage;
import dev.xpsr.io.TensorData;
import dev.xpsr.nn.WeightMismatchException;
import dev.xpsr.torch.ImageTensors;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Placement;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

/** MANIQA: numpy crop positions, checkpoint layout, blocks against direct formulas, scoring behaviour. */
class ManiqaTest {
    /** Crop 32, patch 8 (4×4 positions), width 16, 10 ViT blocks, window 2, 7 crops. */
    private static final Maniqa.Config TINY = new Maniqa.Config(32, 8, 16, 10, 2, 32, 3, 2, new int[] {2, 2},
            new int[] {2, 2}, 2, 16, 0.8, 7, 1);

    @BeforeAll
    static void start() {
        NativeStartup.ensureStarted();
    }

    @Test
    void numpyGeneratorReproducesNumpy() {
        // numpy 2.4.6: np.random.seed(0); np.random.randint(0, 10, 5)
        NumpyRandomState zero = new NumpyRandomState(0);
        int[] got = new int[5];
        for (int i = 0; i < 5; i++) {
            got[i] = zero.randint(0, 10);
        }
        assertThat(got).containsExactly(5, 0, 3, 3, 7);
        // np.random.seed(7); 1000 draws of randint(0, 1000): the state is regenerated after 624 words
        NumpyRandomState seven = new NumpyRandomState(7);
        int[] draws = new int[1000];
        for (int i = 0; i < draws.length; i++) {
            draws[i] = seven.randint(0, 1000);
        }
        assertThat(new int[] {draws[0], draws[1], draws[2]}).containsExactly(175, 196, 537);
        assertThat(java.util.Arrays.copyOfRange(draws, 620, 626)).containsExactly(359, 873, 310, 682, 762, 392);
        assertThat(draws[999]).isEqualTo(120);
        NumpyRandomState top = new NumpyRandomState(4294967295L);
        assertThat(new int[] {top.randint(0, Integer.MAX_VALUE), top.randint(0, Integer.MAX_VALUE),
                top.randint(0, Integer.MAX_VALUE)}).containsExactly(419326371, 479346978, 1771170828);
        // a one-value range consumes nothing: np.random.seed(123); [(randint(0, 1), randint(0, 5))] × 3
        NumpyRandomState one = new NumpyRandomState(123);
        assertThat(new int[] {one.randint(0, 1), one.randint(0, 5), one.randint(0, 1), one.randint(0, 5)})
                .containsExactly(0, 2, 0, 4);
    }

    @Test
    void cropsAreThoseNumpyDrawsAfterPyiqasSeed() {
        ManiqaCrops crops = new ManiqaCrops(224, 20, Maniqa.PYIQA_SEED, Maniqa.CropDraws.FRESH_PER_IMAGE);
        ManiqaCrops.Frame frame = crops.frame(512, 384);
        assertThat(frame.enlarged()).isFalse();
        // numpy 2.4.6: np.random.seed(123); [(randint(0, 289), randint(0, 161)) for _ in range(20)]
        int[][] expected = {{98, 17}, {83, 106}, {123, 57}, {214, 96}, {113, 126}, {47, 73}, {32, 111}, {253, 96},
                {208, 68}, {2, 84}, {39, 66}, {84, 47}, {176, 135}, {99, 124}, {180, 102}, {213, 118}, {76, 131},
                {106, 69}, {64, 75}, {278, 146}};
        List<ManiqaCrops.Crop> got = crops.crops(frame);
        assertThat(got).hasSize(20);
        for (int i = 0; i < 20; i++) {
            assertThat(got.get(i)).isEqualTo(new ManiqaCrops.Crop(expected[i][0], expected[i][1]));
        }
        assertThat(crops.crops(frame)).isEqualTo(got);
        assertThat(new ManiqaCrops(224, 20, 124, Maniqa.CropDraws.FRESH_PER_IMAGE).crops(frame)).isNotEqualTo(got);
    }

    @Test
    void shortSidesUpToTheCropSizeAreEnlargedByCropPlusOneOverShortSide() {
        ManiqaCrops crops = new ManiqaCrops(224, 20, Maniqa.PYIQA_SEED, Maniqa.CropDraws.FRESH_PER_IMAGE);
        // 224 ≤ 224 is enlarged too: f = 225/224, 500·f = 502.2
        assertThat(crops.frame(224, 500)).isEqualTo(new ManiqaCrops.Frame(225, 502, 225.0 / 224));
        // f = 225/200 = 1.125, 300·f = 337.5
        assertThat(crops.frame(300, 200)).isEqualTo(new ManiqaCrops.Frame(337, 225, 1.125));
        assertThat(crops.frame(225, 225).enlarged()).isFalse();
        // f = 225/199 and 199·f = 224.99999999999997 in float64: the frame is 224 high, not 225
        assertThat(crops.frame(199, 230)).isEqualTo(new ManiqaCrops.Frame(224, 260, 225.0 / 199));
    }

    /**
     * A continued stream runs on from one image to the next (a 199×230 image is enlarged to 224×260, then numpy
     * 2.4.6: np.random.seed(123), [(randint(0, 1), randint(0, 37))] × 3 and [(randint(0, 9), randint(0, 17))] × 3;
     * randint(0, 1) draws no word); fresh draws restart at the seed for every image.
     */
    @Test
    void aContinuedStreamRunsOnAcrossImagesAndFreshDrawsRestart() {
        ManiqaCrops continued = new ManiqaCrops(224, 3, Maniqa.PYIQA_SEED, Maniqa.CropDraws.CONTINUED);
        ManiqaCrops fresh = new ManiqaCrops(224, 3, Maniqa.PYIQA_SEED, Maniqa.CropDraws.FRESH_PER_IMAGE);
        ManiqaCrops.Frame first = continued.frame(199, 230);
        ManiqaCrops.Frame second = continued.frame(232, 240);
        assertThat(continued.crops(first)).containsExactly(crop(0, 2), crop(0, 28), crop(0, 34));
        assertThat(continued.crops(second)).containsExactly(crop(6, 10), crop(6, 1), crop(0, 15));
        assertThat(fresh.crops(first)).containsExactly(crop(0, 2), crop(0, 28), crop(0, 34));
        assertThat(fresh.crops(second)).containsExactly(crop(2, 2), crop(6, 10), crop(6, 1));
    }

    private static ManiqaCrops.Crop crop(int top, int left) {
        return new ManiqaCrops.Crop(top, left);
    }

    /**
     * pyiqa's MANIQA arguments around timm's resolved {@code vit_base_patch8_224}: the defaults are the PIPAL model,
     * the {@code maniqa} metric options the KonIQ one; arguments that cannot work together are refused by name.
     */
    @Test
    void pyiqaArgumentsGiveThePublishedModelsAndRefuseWhatTheReferenceCannotRun() {
        JsonConfig vit = json("{\"img_size\": 224, \"patch_size\": 8, \"embed_dim\": 768, \"depth\": 12, "
                + "\"num_heads\": 12, \"mlp_ratio\": 4.0, \"num_classes\": 1000, \"qkv_bias\": true, "
                + "\"class_token\": true, \"global_pool\": \"token\", \"fc_norm\": null}");
        assertThat(Maniqa.Config.fromPyiqaArguments(json("{}"), vit)).usingRecursiveComparison()
                .isEqualTo(Maniqa.Config.pipal());
        assertThat(Maniqa.Config.fromPyiqaArguments(json("{\"train_dataset\": \"koniq\", \"scale\": 0.8}"), vit))
                .usingRecursiveComparison().isEqualTo(Maniqa.Config.koniq());
        Maniqa.Config hidden = Maniqa.Config.fromPyiqaArguments(json("{\"embed_dim\": 24, \"patch_size\": 16, "
                + "\"num_tab\": 1, \"depths\": [1, 3], \"num_heads\": [2, 4], \"window_size\": 2, "
                + "\"dim_mlp\": 40, \"scale\": 0.13, \"unknown_option\": 1}"),
                json("{\"patch_size\": 16, \"embed_dim\": 24, \"depth\": 11, \"num_heads\": 4}"));
        assertThat(hidden.resolution()).isEqualTo(14);
        assertThat(hidden.vitMlpDim()).isEqualTo(96);
        assertThat(hidden.swinDepths()).containsExactly(1, 3);
        assertThatThrownBy(() -> Maniqa.Config.fromPyiqaArguments(json("{\"embed_dim\": 16}"), vit))
                .isInstanceOf(ModelConfigException.class).hasMessageContaining("embed_dim 16 must equal the ViT's "
                        + "embed_dim 768");
        assertThatThrownBy(() -> Maniqa.Config.fromPyiqaArguments(json("{\"patch_size\": 16}"), vit))
                .hasMessageContaining("img_size // patch_size = 224 // 16 must equal the ViT's 28 patches per side");
        assertThatThrownBy(() -> Maniqa.Config.fromPyiqaArguments(json("{\"default_mean\": [0.5, 0.5, 0.5]}"), vit))
                .hasMessageContaining("'default_mean'");
        assertThatThrownBy(() -> Maniqa.Config.fromPyiqaArguments(json("{}"), json("{\"img_size\": 256, "
                + "\"patch_size\": 8}"))).hasMessageContaining("img_size 256 / patch_size 8");
        assertThatThrownBy(() -> Maniqa.Config.fromPyiqaArguments(json("{}"), json("{\"patch_size\": 8, "
                + "\"class_token\": false}"))).hasMessageContaining("'class_token'");
    }

    private static JsonConfig json(String text) {
        return JsonConfig.parse(text, "test");
    }

    /** The state-dict keys and shapes of pyiqa's {@code MANIQA} (timm ViT inside) for {@code c}. */
    static ReferenceCheckpoints.Keys referenceKeys(Maniqa.Config c) {
        long d = c.embedDim();
        long r = c.cropSize() / c.patchSize();
        long t = r * r;
        ReferenceCheckpoints.Keys k = new ReferenceCheckpoints.Keys()
                .add("vit.cls_token", 1, 1, d).add("vit.pos_embed", 1, t + 1, d)
                .add("vit.patch_embed.proj.weight", d, 3, c.patchSize(), c.patchSize())
                .add("vit.patch_embed.proj.bias", d);
        for (int i = 0; i < c.vitDepth(); i++) {
            String b = "vit.blocks." + i + ".";
            k.norm(b + "norm1", d).linear(b + "attn.qkv", d, 3 * d).linear(b + "attn.proj", d, d).norm(b + "norm2", d)
                    .linear(b + "mlp.fc1", d, c.vitMlpDim()).linear(b + "mlp.fc2", c.vitMlpDim(), d);
        }
        k.norm("vit.norm", d);
        if (c.vitClasses() > 0) {
            k.linear("vit.head", d, c.vitClasses());
        }
        for (int i = 0; i < c.numTab(); i++) {
            k.linear("tablock1." + i + ".c_q", t, t).linear("tablock1." + i + ".c_k", t, t)
                    .linear("tablock1." + i + ".c_v", t, t);
        }
        k.add("conv1.weight", d, 4 * d, 1, 1).add("conv1.bias", d);
        swin(k, "swintransformer1.", c, d);
        for (int i = 0; i < c.numTab(); i++) {
            k.linear("tablock2." + i + ".c_q", t, t).linear("tablock2." + i + ".c_k", t, t)
                    .linear("tablock2." + i + ".c_v", t, t);
        }
        k.add("conv2.weight", d / 2, d, 1, 1).add("conv2.bias", d / 2);
        swin(k, "swintransformer2.", c, d / 2);
        return k.linear("fc_score.0", d / 2, d / 2).linear("fc_score.3", d / 2, c.numOutputs())
                .linear("fc_weight.0", d / 2, d / 2).linear("fc_weight.3", d / 2, c.numOutputs());
    }

    private static void swin(ReferenceCheckpoints.Keys k, String p, Maniqa.Config c, long dim) {
        long w = c.window();
        k.add(p + "downsample.weight", dim, dim, 3, 3).add(p + "downsample.bias", dim);
        for (int l = 0; l < c.swinDepths().length; l++) {
            String layer = p + "layers." + l + ".";
            k.add(layer + "conv.weight", dim, dim, 3, 3).add(layer + "conv.bias", dim);
            for (int j = 0; j < c.swinDepths()[l]; j++) {
                String b = layer + "blocks." + j + ".";
                k.norm(b + "norm1", dim)
                        .add(b + "attn.relative_position_bias_table", (2 * w - 1) * (2 * w - 1), c.swinHeads()[l])
                        .linear(b + "attn.qkv", dim, 3 * dim).linear(b + "attn.proj", dim, dim).norm(b + "norm2", dim)
                        .linear(b + "mlp.fc1", dim, c.swinMlpDim()).linear(b + "mlp.fc2", c.swinMlpDim(), dim);
            }
        }
    }

    /**
     * The buffers a real checkpoint stores (each block's relative position index, each shifted block's mask), and a
     * positive bias before the score head's final ReLU, so random weights do not score every position 0.
     */
    private static Map<String, TensorData> buffers(Maniqa.Config c) {
        Map<String, TensorData> out = new LinkedHashMap<>();
        float[] positive = new float[c.numOutputs()];
        java.util.Arrays.fill(positive, 1f);
        out.put("fc_score.3.bias", TensorData.ofFloats(new long[] {c.numOutputs()}, positive));
        int r = c.cropSize() / c.patchSize();
        int w = c.window();
        for (String p : List.of("swintransformer1.", "swintransformer2.")) {
            for (int l = 0; l < c.swinDepths().length; l++) {
                for (int j = 0; j < c.swinDepths()[l]; j++) {
                    String b = p + "layers." + l + ".blocks." + j + ".";
                    Tensor index = ManiqaSwin.Block.relativePositionIndex(w);
                    out.put(b + "attn.relative_position_index", TensorData.ofBytes(DType.I64, Torch.shape(index),
                            Torch.toBytes(index)));
                    if (j % 2 == 1) {
                        Tensor mask = ManiqaSwin.Block.shiftMask(r, w, w / 2);
                        out.put(b + "attn_mask", TensorData.ofFloats(Torch.shape(mask), Torch.toFloats(mask)));
                    }
                }
            }
        }
        return out;
    }

    private static Maniqa tiny(Path dir, Maniqa.Config config, long seed, long cropSeed) throws IOException {
        return tiny(dir, config, seed, cropSeed, Maniqa.CropDraws.FRESH_PER_IMAGE);
    }

    private static Maniqa tiny(Path dir, Maniqa.Config config, long seed, long cropSeed, Maniqa.CropDraws draws)
            throws IOException {
        Path file = ReferenceCheckpoints.write(dir, "maniqa_tiny.safetensors",
                ReferenceCheckpoints.random(referenceKeys(config), seed, 0.1, buffers(config)));
        try (WeightOpener.Opened w = WeightOpener.standard().open(file)) {
            return Maniqa.load("maniqa-pipal", config, w, cropSeed, draws, Placement.CPU_FP32);
        }
    }

    @Test
    void checkpointWithTheReferenceKeysLoadsAndAWrongShapeIsNamed(@TempDir Path dir) throws IOException {
        tiny(dir, TINY, 1, Maniqa.PYIQA_SEED);
        Map<String, TensorData> prefixed = new LinkedHashMap<>();
        ReferenceCheckpoints.random(referenceKeys(TINY), 1, 0.2, buffers(TINY))
                .forEach((key, v) -> prefixed.put("module." + key, v));
        prefixed.put("module.tablock2.1.c_v.weight", TensorData.ofFloats(new long[] {16, 15}, new float[240]));
        prefixed.remove("module.swintransformer1.layers.0.blocks.1.attn_mask");
        Path file = ReferenceCheckpoints.write(dir, "bad.safetensors", prefixed);
        try (WeightOpener.Opened w = WeightOpener.standard().open(file)) {
            assertThatThrownBy(() -> Maniqa.load("maniqa", TINY, w, 0, Maniqa.CropDraws.FRESH_PER_IMAGE,
                    Placement.CPU_FP32))
                    .isInstanceOf(WeightMismatchException.class)
                    .hasMessageContaining("tablock2.1.c_v.weight: file [16, 15], model [16, 16]")
                    .hasMessageContaining("swintransformer1.layers.0.blocks.1.attn_mask")
                    .hasMessageContaining("1 missing, 0 unexpected, 1 with the wrong shape");
        }
    }

    @Test
    void swinBuffersMatchTheReferenceConstruction() {
        // index = (Δrow + w − 1)(2w − 1) + Δcol + w − 1 for w = 2
        assertThat(Torch.toFloats(ManiqaSwin.Block.relativePositionIndex(2).to(
                org.bytedeco.pytorch.global.torch.ScalarType.Float))).containsExactly(4, 3, 1, 0, 5, 4, 2, 1, 7, 6,
                4, 3, 8, 7, 5, 4);
        // R = 4, w = 2, shift 1: regions per row/column [0, 2) → 0, [2, 3) → 1, [3, 4) → 2
        float[] mask = Torch.toFloats(ManiqaSwin.Block.shiftMask(4, 2, 1));
        assertThat(mask).hasSize(4 * 4 * 4);
        for (int i = 0; i < 16; i++) {
            assertThat(mask[i]).as("first window lies in one region").isZero();
        }
        // window 1 (rows 0–1, columns 2–3): tokens (0,2) (0,3) (1,2) (1,3) are in regions 1, 2, 1, 2
        float[] window1 = java.util.Arrays.copyOfRange(mask, 16, 32);
        assertThat(window1).containsExactly(0, -100, 0, -100, -100, 0, -100, 0, 0, -100, 0, -100, -100, 0, -100, 0);
        // window 3 (rows 2–3, columns 2–3): regions 4, 5, 7, 8 are all different
        float[] window3 = java.util.Arrays.copyOfRange(mask, 48, 64);
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                assertThat(window3[i * 4 + j]).isEqualTo(i == j ? 0f : -100f);
            }
        }
    }

    /** TABlock against softmax(q kᵀ/√N) v computed here, including the reference's transpose-then-reshape. */
    @Test
    void channelAttentionMatchesDirectFormulaWithItsReshape() {
        int c = 3;
        int n = 4;
        ManiqaNetwork.TaBlock block = new ManiqaNetwork.TaBlock(n);
        Random random = new Random(11);
        for (Tensor p : block.stateDict().values()) {
            float[] v = new float[(int) p.numel()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) random.nextGaussian();
            }
            p.copy_(Torch.fromFloats(v, Torch.shape(p)));
        }
        float[] x = new float[c * n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        float[] got = Torch.toFloats(block.forward(Torch.fromFloats(x, 1, c, n)));
        double[][] q = linear(block.c_q, x, c, n);
        double[][] k = linear(block.c_k, x, c, n);
        double[][] v = linear(block.c_v, x, c, n);
        double[][] av = new double[c][n];
        for (int i = 0; i < c; i++) {
            double[] a = new double[c];
            double sum = 0;
            for (int j = 0; j < c; j++) {
                double dot = 0;
                for (int e = 0; e < n; e++) {
                    dot += q[i][e] * k[j][e];
                }
                a[j] = Math.exp(dot / Math.sqrt(n));
                sum += a[j];
            }
            for (int e = 0; e < n; e++) {
                for (int j = 0; j < c; j++) {
                    av[i][e] += a[j] / sum * v[j][e];
                }
            }
        }
        // (a v) is (C, N); transposed to (N, C) and read back row-major as (C, N)
        double[] flat = new double[c * n];
        for (int e = 0; e < n; e++) {
            for (int i = 0; i < c; i++) {
                flat[e * c + i] = av[i][e];
            }
        }
        for (int i = 0; i < c * n; i++) {
            assertThat((double) got[i]).isCloseTo(flat[i] + x[i], offset(1e-5));
        }
    }

    /**
     * A shifted Swin block (R = 4, w = 2, shift 1, MLP output zeroed) against the windowed attention computed here in
     * the original coordinates: token (y, x) sits at ((y − 1) mod 4, (x − 1) mod 4) of the rolled map, attends to
     * the tokens of its window there with bias table[(Δr + 1)·3 + Δc + 1] and −100 between tokens of different
     * regions ([0, 2), [2, 3), [3, 4) per axis of the rolled map).
     */
    @Test
    void shiftedSwinBlockMatchesDirectWindowAttention() {
        int r = 4;
        int w = 2;
        int s = 1;
        int d = 4;
        int heads = 2;
        ManiqaSwin.Block block = new ManiqaSwin.Block(r, d, heads, w, s, 4);
        Random random = new Random(5);
        for (Map.Entry<String, Tensor> e : block.namedParameters().entrySet()) {
            Tensor p = e.getValue();
            float[] v = new float[(int) p.numel()];
            for (int i = 0; i < v.length && !e.getKey().startsWith("mlp.fc2"); i++) {
                v[i] = (float) random.nextGaussian();
            }
            p.copy_(Torch.fromFloats(v, Torch.shape(p)));
        }
        float[] x = new float[r * r * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        float[] got = Torch.toFloats(block.forward(Torch.fromFloats(x, 1, r * r, d)));

        float[] g = Torch.toFloats(block.norm1.weight);
        float[] beta = Torch.toFloats(block.norm1.bias);
        float[] normed = new float[x.length];
        for (int t = 0; t < r * r; t++) {
            double mean = 0;
            double var = 0;
            for (int e = 0; e < d; e++) {
                mean += x[t * d + e] / (double) d;
            }
            for (int e = 0; e < d; e++) {
                var += (x[t * d + e] - mean) * (x[t * d + e] - mean) / d;
            }
            for (int e = 0; e < d; e++) {
                normed[t * d + e] = (float) ((x[t * d + e] - mean) / Math.sqrt(var + 1e-5) * g[e] + beta[e]);
            }
        }
        double[][] qkv = linear(block.qkv, normed, r * r, d);
        float[] table = Torch.toFloats(block.relative_position_bias_table);
        int hd = d / heads;
        float[] attended = new float[x.length];
        for (int t = 0; t < r * r; t++) {
            int ry = Math.floorMod(t / r - s, r);
            int rx = Math.floorMod(t % r - s, r);
            for (int h = 0; h < heads; h++) {
                double[] logit = new double[r * r];
                double max = Double.NEGATIVE_INFINITY;
                for (int u = 0; u < r * r; u++) {
                    int uy = Math.floorMod(u / r - s, r);
                    int ux = Math.floorMod(u % r - s, r);
                    logit[u] = Double.NaN;
                    if (uy / w != ry / w || ux / w != rx / w) {
                        continue;
                    }
                    double dot = 0;
                    for (int e = 0; e < hd; e++) {
                        dot += qkv[t][h * hd + e] / Math.sqrt(hd) * qkv[u][d + h * hd + e];
                    }
                    int rel = (ry % w - uy % w + w - 1) * (2 * w - 1) + (rx % w - ux % w + w - 1);
                    boolean sameRegion = region(ry, r, w, s) == region(uy, r, w, s)
                            && region(rx, r, w, s) == region(ux, r, w, s);
                    logit[u] = dot + table[rel * heads + h] + (sameRegion ? 0 : -100);
                    max = Math.max(max, logit[u]);
                }
                double sum = 0;
                for (int u = 0; u < r * r; u++) {
                    sum += Double.isNaN(logit[u]) ? 0 : Math.exp(logit[u] - max);
                }
                for (int e = 0; e < hd; e++) {
                    double acc = 0;
                    for (int u = 0; u < r * r; u++) {
                        acc += Double.isNaN(logit[u]) ? 0 : Math.exp(logit[u] - max) / sum * qkv[u][2 * d + h * hd + e];
                    }
                    attended[t * d + h * hd + e] = (float) acc;
                }
            }
        }
        double[][] projected = linear(block.proj, attended, r * r, d);
        float[] fc2Bias = Torch.toFloats(block.fc2.bias);
        for (int t = 0; t < r * r; t++) {
            for (int e = 0; e < d; e++) {
                assertThat((double) got[t * d + e]).isCloseTo(x[t * d + e] + projected[t][e] + fc2Bias[e],
                        offset(1e-4));
            }
        }
    }

    private static int region(int v, int r, int w, int s) {
        return v < r - w ? 0 : v < r - s ? 1 : 2;
    }

    @Test
    void photoScoresAreFiniteDeterministicAndIndependentOfBatching(@TempDir Path dir) throws IOException {
        Maniqa maniqa = tiny(dir, TINY, 3, Maniqa.PYIQA_SEED);
        RgbImage a = ReferenceCheckpoints.photo("opencv_baboon.png", 100, 60, 64, 48);
        RgbImage b = ReferenceCheckpoints.photo("mpl_grace_hopper.png", 200, 150, 40, 56);
        RgbImage small = ReferenceCheckpoints.photo("opencv_fruits.png", 10, 20, 30, 24);
        double sa = maniqa.score(a, null);
        assertThat(sa).isFinite().isPositive();
        assertThat(maniqa.score(a, null)).isEqualTo(sa);
        double[] batch = maniqa.scores(List.of(a, small, b));
        assertThat(batch[0]).isEqualTo(sa);
        assertThat(batch[1]).isFinite().isEqualTo(maniqa.score(small, null));
        assertThat(batch[2]).isEqualTo(maniqa.score(b, null)).isNotCloseTo(sa, offset(1e-6));
        assertThat(tiny(dir, TINY, 3, 99).score(a, null)).isNotCloseTo(sa, offset(1e-7));
        assertThat(maniqa.higherIsBetter()).isTrue();
        assertThat(maniqa.name()).isEqualTo("maniqa-pipal");
    }

    /**
     * A continued stream scores a list in the caller's order, one image after another, even when same-size images
     * are not adjacent; the image scored second gets other crops than it would get first.
     */
    @Test
    void aContinuedStreamScoresAListInItsOrder(@TempDir Path dir) throws IOException {
        RgbImage a = ReferenceCheckpoints.photo("opencv_baboon.png", 100, 60, 64, 48);
        RgbImage small = ReferenceCheckpoints.photo("opencv_fruits.png", 10, 20, 30, 24);
        RgbImage sameSizeAsA = ReferenceCheckpoints.photo("mpl_grace_hopper.png", 200, 150, 64, 48);
        double[] listed = tiny(dir, TINY, 3, Maniqa.PYIQA_SEED, Maniqa.CropDraws.CONTINUED)
                .scores(List.of(a, small, sameSizeAsA));
        Maniqa oneByOne = tiny(dir, TINY, 3, Maniqa.PYIQA_SEED, Maniqa.CropDraws.CONTINUED);
        double[] expected = {oneByOne.score(a, null), oneByOne.score(small, null), oneByOne.score(sameSizeAsA, null)};
        assertThat(listed).containsExactly(expected);
        double smallFirst = tiny(dir, TINY, 3, Maniqa.PYIQA_SEED, Maniqa.CropDraws.CONTINUED).score(small, null);
        assertThat(smallFirst).isNotCloseTo(expected[1], offset(1e-7));
    }

    /**
     * The score of 7 crops run in passes of 5 and 2 equals Σ w·s / (Σ w + 1e-8) of the same crops run through the
     * network at once and reduced here.
     */
    @Test
    void cropsInPassesGiveTheWeightedMeanOverAllCrops(@TempDir Path dir) throws Exception {
        Maniqa maniqa = tiny(dir, TINY, 3, Maniqa.PYIQA_SEED);
        ManiqaNetwork network = tiny(dir, TINY, 3, Maniqa.PYIQA_SEED).network();
        RgbImage a = ReferenceCheckpoints.photo("opencv_baboon.png", 300, 200, 50, 45);
        double expected;
        try (AutoCloseable mode = Torch.inferenceMode(); PointerScope scope = new PointerScope()) {
            Tensor x = Torch.div(Torch.add(ImageTensors.toTensor(a), -0.5), 0.5);
            ManiqaCrops crops = new ManiqaCrops(32, 7, Maniqa.PYIQA_SEED, Maniqa.CropDraws.FRESH_PER_IMAGE);
            Tensor[] parts = crops.crops(crops.frame(45, 50)).stream()
                    .map(c -> x.narrow(2, c.top(), 32).narrow(3, c.left(), 32)).toArray(Tensor[]::new);
            Tensor[] sw = network.scoreAndWeight(Torch.cat(0, parts));
            double[] s = Torch.toDoubles(sw[0]);
            double[] w = Torch.toDoubles(sw[1]);
            assertThat(s).hasSize(7 * 16);
            double num = 0;
            double den = 0;
            for (int i = 0; i < s.length; i++) {
                assertThat(s[i]).isGreaterThanOrEqualTo(0);
                assertThat(w[i]).isBetween(0.0, 1.0);
                num += w[i] * s[i];
                den += w[i];
            }
            expected = num / (den + 1e-8);
        }
        assertThat(maniqa.score(a, null)).isCloseTo(expected, offset(1e-5 * Math.max(1, Math.abs(expected))));
    }

    private static double[][] linear(dev.xpsr.nn.Linear layer, float[] x, int rows, int in) {
        float[] w = Torch.toFloats(layer.weight);
        float[] b = Torch.toFloats(layer.bias);
        int out = (int) layer.outFeatures;
        double[][] y = new double[rows][out];
        for (int i = 0; i < rows; i++) {
            for (int o = 0; o < out; o++) {
                double acc = b[o];
                for (int e = 0; e < in; e++) {
                    acc += (double) w[o * in + e] * x[i * in + e];
                }
                y[i][o] = acc;
            }
        }
        return y;
    }
}
