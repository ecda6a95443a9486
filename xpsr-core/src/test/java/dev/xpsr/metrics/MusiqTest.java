package dev.xpsr.metrics;

import dev.xpsr.io.JsonConfig;
import dev.xpsr.io.ModelConfigException;
import dev.xpsr.io.RgbImage;
import dev.xpsr.io.TensorData;
import dev.xpsr.nn.WeightMismatchException;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Placement;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

/** MUSIQ: checkpoint layout, multi-scale preprocessing, blocks against direct formulas, scoring behaviour. */
class MusiqTest {
    /** Patch 8, stem 32 → 128 channels, width 16, 2 heads, 2 blocks, 4×4 position grid, scales 16, 24, native. */
    private static final Musiq.Config TINY = new Musiq.Config(8, 32, 16, 24, 2, 2, 4, 3, true, new int[] {24, 16},
            OptionalInt.of(-1), 1);

    @BeforeAll
    static void start() {
        NativeStartup.ensureStarted();
    }

    /** The state-dict keys and shapes of pyiqa's {@code MUSIQ} for {@code c}, written out from musiq_arch.py. */
    static ReferenceCheckpoints.Keys referenceKeys(Musiq.Config c) {
        long r = c.rootChannels();
        long d = c.hiddenSize();
        long t = c.patchSize() / 4;
        ReferenceCheckpoints.Keys k = new ReferenceCheckpoints.Keys()
                .add("conv_root.weight", r, 3, 7, 7).norm("gn_root", r)
                .add("block1.conv1.weight", r, r, 1, 1).norm("block1.gn1", r)
                .add("block1.conv2.weight", r, r, 3, 3).norm("block1.gn2", r)
                .add("block1.conv3.weight", 4 * r, r, 1, 1).norm("block1.gn3", 4 * r)
                .add("block1.conv_proj.weight", 4 * r, r, 1, 1).norm("block1.gn_proj", 4 * r)
                .linear("embedding", 4 * r * t * t, d)
                .add("transformer_encoder.posembed_input.position_emb", 1, (long) c.spatialPosGridSize() * c.spatialPosGridSize(), d)
                .add("transformer_encoder.scaleembed_input.scale_emb", c.numScales(), d)
                .add("transformer_encoder.cls", 1, 1, d)
                .norm("transformer_encoder.encoder_norm", d);
        for (int i = 0; i < c.numLayers(); i++) {
            String b = "transformer_encoder.transformer.encoderblock_" + i + ".";
            k.norm(b + "norm1", d).linear(b + "attention.query", d, d).linear(b + "attention.key", d, d)
                    .linear(b + "attention.value", d, d).linear(b + "attention.out", d, d).norm(b + "norm2", d)
                    .linear(b + "mlp.fc1", d, c.mlpDim()).linear(b + "mlp.fc2", c.mlpDim(), d);
        }
        return c.numClass() > 1 ? k.linear("head.0", d, c.numClass()) : k.linear("head", d, 1);
    }

    private static Musiq tiny(Path dir, Musiq.Config config, long seed) throws IOException {
        Path file = ReferenceCheckpoints.write(dir, "musiq_tiny.safetensors",
                ReferenceCheckpoints.random(referenceKeys(config), seed, 0.1, Map.of()));
        try (WeightOpener.Opened w = WeightOpener.standard().open(file)) {
            return Musiq.load(config, w, Placement.CPU_FP32);
        }
    }

    @Test
    void checkpointWithTheReferenceKeysLoadsAndAWrongShapeIsNamed(@TempDir Path dir) throws IOException {
        tiny(dir, TINY, 1);
        Map<String, TensorData> bad = ReferenceCheckpoints.random(referenceKeys(TINY), 1, 0.1,
                Map.of("transformer_encoder.scaleembed_input.scale_emb", TensorData.ofFloats(new long[] {2, 16},
                        new float[32])));
        bad.put("module.unused.weight", TensorData.ofFloats(new long[] {1}, new float[1]));
        Path file = ReferenceCheckpoints.write(dir, "bad.safetensors", bad);
        try (WeightOpener.Opened w = WeightOpener.standard().open(file)) {
            assertThatThrownBy(() -> Musiq.load(TINY, w, Placement.CPU_FP32))
                    .isInstanceOf(WeightMismatchException.class)
                    .hasMessageContaining("transformer_encoder.scaleembed_input.scale_emb: file [2, 16], model [3, 16]")
                    .hasMessageContaining("unused.weight")
                    .hasMessageContaining("bad.safetensors");
        }
    }

    @Test
    void resizedSizesRoundHalfToEvenAsPython() {
        // 5 · 224/448 = 2.5 exactly: Python's round gives 2 (Math.round would give 3)
        assertThat(MusiqPatches.resizedSize(5, 448, 224)).containsExactly(2, 224);
        assertThat(MusiqPatches.resizedSize(7, 448, 224)).containsExactly(4, 224);
        assertThat(MusiqPatches.resizedSize(512, 384, 224)).containsExactly(224, 168);
        MusiqPatches oneScale = new MusiqPatches(8, 4, new int[] {16}, OptionalInt.of(-1));
        assertThatThrownBy(() -> oneScale.extract(Torch.zeros(1, 3, 1, 40)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("40x1 image is too narrow");
    }

    @Test
    void hashedPositionsFollowTorchNearestInterpolation() {
        // floor(i · 10/7): 0, 1.43, 2.86, 4.29, 5.71, 7.14, 8.57
        assertThat(MusiqPatches.hashedIndices(10, 7)).containsExactly(0, 1, 2, 4, 5, 7, 8);
        // floor(i · 0.625)
        assertThat(MusiqPatches.hashedIndices(10, 16)).containsExactly(0, 0, 1, 1, 2, 3, 3, 4, 5, 5, 6, 6, 7, 8, 8, 9);
        assertThat(MusiqPatches.hashedIndices(10, 3)).containsExactly(0, 3, 6);
        assertThat(MusiqPatches.hashedIndices(10, 10)).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    }

    /**
     * A 12×20 image with patch 8, grid 4, scales 16 and 24: scale 0 is 10×16 (2×2 patches, no padding up to 4),
     * scale 1 is 14×24 (2×3 patches padded to 9), native 12×20 (2×3 patches). Rows hash to {0, 2}, three columns
     * to {0, 1, 2}, two columns to {0, 2}.
     */
    @Test
    void multiScaleLayoutAndNativePatchesMatchHandComputation() {
        float[] pixels = new float[3 * 12 * 20];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (i % 97) / 97f - 0.5f;
        }
        Tensor image = Torch.fromFloats(pixels, 1, 3, 12, 20);
        MusiqPatches.Result r = new MusiqPatches(8, 4, new int[] {24, 16}, OptionalInt.of(-1)).extract(image);
        assertThat(r.layout().spatialPositions()).containsExactly(0, 2, 8, 10, 0, 1, 2, 8, 9, 10, 0, 0, 0,
                0, 1, 2, 8, 9, 10);
        assertThat(r.layout().scaleIds()).containsExactly(0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 2, 2, 2, 2, 2, 2);
        assertThat(r.layout().mask()).containsExactly(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1);
        assertThat(Torch.shape(r.patches())).containsExactly(1, 19, 3, 8, 8);
        float[] patches = Torch.toFloats(r.patches());
        int patchLen = 3 * 8 * 8;
        for (int token = 10; token < 13; token++) {
            for (int i = 0; i < patchLen; i++) {
                assertThat(patches[token * patchLen + i]).isZero();
            }
        }
        // native scale: SAME padding of 12×20 to 16×24 puts 2 zero rows on top and 2 zero columns on the left
        for (int token = 13; token < 19; token++) {
            int row = (token - 13) / 3;
            int col = (token - 13) % 3;
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 8; y++) {
                    for (int x = 0; x < 8; x++) {
                        int iy = row * 8 + y - 2;
                        int ix = col * 8 + x - 2;
                        float expected = iy >= 0 && iy < 12 && ix >= 0 && ix < 20 ? pixels[(c * 12 + iy) * 20 + ix] : 0f;
                        assertThat(patches[token * patchLen + (c * 8 + y) * 8 + x]).isEqualTo(expected);
                    }
                }
            }
        }
    }

    /** Attention against softmax(q kᵀ/√d) v computed here, with padded keys and queries set to −1000. */
    @Test
    void maskedAttentionMatchesDirectFormula() {
        int d = 4;
        int heads = 2;
        int t = 3;
        MusiqBlock block = new MusiqBlock(d, 8, heads);
        java.util.Random random = new java.util.Random(7);
        for (Tensor p : block.stateDict().values()) {
            float[] v = new float[(int) p.numel()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) random.nextGaussian();
            }
            p.copy_(Torch.fromFloats(v, Torch.shape(p)));
        }
        float[] x = new float[t * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        long[] mask = {1, 1, 0};
        Tensor xt = Torch.fromFloats(x, 1, t, d);
        float[] got = Torch.toFloats(block.attend(xt, MusiqBlock.pairMask(mask, xt)));

        double[][] q = project(block.query, x, t, d);
        double[][] k = project(block.key, x, t, d);
        double[][] v = project(block.value, x, t, d);
        int hd = d / heads;
        double[] merged = new double[t * d];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < t; i++) {
                double[] logits = new double[t];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < t; j++) {
                    double dot = 0;
                    for (int e = 0; e < hd; e++) {
                        dot += q[i][h * hd + e] * k[j][h * hd + e];
                    }
                    logits[j] = mask[i] * mask[j] == 0 ? -1000 : dot / Math.sqrt(hd);
                    max = Math.max(max, logits[j]);
                }
                double sum = 0;
                for (int j = 0; j < t; j++) {
                    logits[j] = Math.exp(logits[j] - max);
                    sum += logits[j];
                }
                for (int e = 0; e < hd; e++) {
                    double acc = 0;
                    for (int j = 0; j < t; j++) {
                        acc += logits[j] / sum * v[j][h * hd + e];
                    }
                    merged[i * d + h * hd + e] = acc;
                }
            }
        }
        float[] mergedF = new float[merged.length];
        for (int i = 0; i < merged.length; i++) {
            mergedF[i] = (float) merged[i];
        }
        double[][] expected = project(block.out, mergedF, t, d);
        for (int i = 0; i < t; i++) {
            for (int e = 0; e < d; e++) {
                assertThat((double) got[i * d + e]).isCloseTo(expected[i][e], offset(1e-5));
            }
        }
    }

    /** Weight standardisation: (W − mean) / (unbiased std + 1e-5) per output channel, on a 1×1 kernel. */
    @Test
    void stdConvStandardisesEachKernel() {
        MusiqNetwork.StdConv conv = new MusiqNetwork.StdConv(3, 2, 1, 1);
        float[] w = {1, 2, 6, -1, 0, 4};
        conv.weight.copy_(Torch.fromFloats(w, 2, 3, 1, 1));
        float[] x = {0.5f, -1f, 2f};
        float[] got = Torch.toFloats(conv.forward(Torch.fromFloats(x, 1, 3, 1, 1)));
        for (int o = 0; o < 2; o++) {
            double mean = (w[3 * o] + w[3 * o + 1] + w[3 * o + 2]) / 3.0;
            double ss = 0;
            for (int c = 0; c < 3; c++) {
                ss += (w[3 * o + c] - mean) * (w[3 * o + c] - mean);
            }
            double std = Math.sqrt(ss / 2);
            double expected = 0;
            for (int c = 0; c < 3; c++) {
                expected += (w[3 * o + c] - mean) / (std + 1e-5) * x[c];
            }
            assertThat((double) got[o]).isCloseTo(expected, offset(1e-5));
        }
    }

    @Test
    void photoScoresAreFiniteDeterministicAndIndependentOfBatching(@TempDir Path dir) throws IOException {
        Musiq musiq = tiny(dir, TINY, 3);
        RgbImage a = ReferenceCheckpoints.photo("opencv_baboon.png", 100, 60, 56, 40);
        RgbImage b = ReferenceCheckpoints.photo("mpl_grace_hopper.png", 200, 150, 56, 40);
        RgbImage c = ReferenceCheckpoints.photo("opencv_fruits.png", 10, 20, 33, 47);
        double sa = musiq.score(a, null);
        assertThat(sa).isFinite();
        assertThat(musiq.score(a, null)).isEqualTo(sa);
        double[] batch = musiq.scores(List.of(a, c, b));
        assertThat(batch[0]).isCloseTo(sa, offset(1e-5));
        assertThat(batch[1]).isCloseTo(musiq.score(c, null), offset(1e-5));
        assertThat(batch[2]).isCloseTo(musiq.score(b, null), offset(1e-5));
        assertThat(batch[2]).isNotCloseTo(sa, offset(1e-6));
        assertThat(musiq.higherIsBetter()).isTrue();
        assertThat(musiq.needsReference()).isFalse();
    }

    /** With several classes the head is head.0 + softmax and the score Σ k·p_k lies in [1, classes]. */
    @Test
    void distributionHeadGivesTheMeanOfItsClasses(@TempDir Path dir) throws IOException {
        Musiq.Config tenClasses = new Musiq.Config(8, 32, 16, 24, 2, 1, 4, 2, true, new int[] {16},
                OptionalInt.of(-1), 10);
        Musiq musiq = tiny(dir, tenClasses, 5);
        double s = musiq.score(ReferenceCheckpoints.photo("opencv_baboon.png", 0, 0, 24, 24), null);
        assertThat(s).isBetween(1.0, 10.0);
    }

    /** pyiqa's constructor arguments: defaults for absent ones, its AVA rule, None for the native scale. */
    @Test
    void pyiqaArgumentsFollowTheConstructor() {
        assertThat(Musiq.Config.fromPyiqaArguments(json("{\"pretrained\": \"koniq10k\"}")))
                .isEqualTo(Musiq.Config.koniq());
        // pretrained=True without a model path selects the AVA checkpoint, whose head has 10 classes
        assertThat(Musiq.Config.fromPyiqaArguments(json("{\"pretrained\": true, \"num_class\": 1}")).numClass())
                .isEqualTo(10);
        assertThat(Musiq.Config.fromPyiqaArguments(json("{\"pretrained\": false, \"num_class\": 1}")).numClass())
                .isEqualTo(1);
        Musiq.Config noNative = Musiq.Config.fromPyiqaArguments(json("{\"max_seq_len_from_original_res\": null, "
                + "\"longer_side_lengths\": [128, 48], \"num_scales\": 2}"));
        assertThat(noNative.maxSeqLenFromOriginalRes()).isEmpty();
        assertThat(noNative.longerSideLengths()).containsExactly(128, 48);
        assertThatThrownBy(() -> Musiq.Config.fromPyiqaArguments(json("{\"hidden\": 16}")))
                .isInstanceOf(ModelConfigException.class).hasMessageContaining("'hidden' is not an argument");
        assertThatThrownBy(() -> Musiq.Config.fromPyiqaArguments(json("{\"num_scales\": 2}")))
                .hasMessageContaining("num_scales 2 is too small for scale ids 0..2");
        assertThatThrownBy(() -> Musiq.Config.fromPyiqaArguments(json("{\"patch_size\": \"32\"}")))
                .hasMessageContaining("'patch_size' should be an integer");
    }

    /**
     * The 12×20 image of {@link #multiScaleLayoutAndNativePatchesMatchHandComputation} with the native scale left
     * out (None), cut to 4 tokens and padded to 8: the resized scales are unchanged, the native tokens are the first
     * of its row-major patches, then empty ones.
     */
    @Test
    void originalResolutionIsLeftOutCutOrPadded() {
        float[] pixels = new float[3 * 12 * 20];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (i % 89) / 89f - 0.4f;
        }
        Tensor image = Torch.fromFloats(pixels, 1, 3, 12, 20);
        int[] sides = {24, 16};
        MusiqPatches.Result all = new MusiqPatches(8, 4, sides, OptionalInt.of(-1)).extract(image);
        MusiqPatches.Result none = new MusiqPatches(8, 4, sides, OptionalInt.empty()).extract(image);
        MusiqPatches.Result cut = new MusiqPatches(8, 4, sides, OptionalInt.of(4)).extract(image);
        MusiqPatches.Result padded = new MusiqPatches(8, 4, sides, OptionalInt.of(8)).extract(image);
        assertThat(none.layout().length()).isEqualTo(13);
        assertThat(cut.layout().scaleIds()).containsExactly(0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 2, 2, 2, 2);
        assertThat(padded.layout().mask()).endsWith(1, 1, 1, 1, 1, 1, 0, 0);
        assertThat(padded.layout().spatialPositions()).endsWith(0, 1, 2, 8, 9, 10, 0, 0);
        assertThat(Torch.maxAbsDiff(cut.patches(), all.patches().narrow(1, 0, 17))).isZero();
        assertThat(Torch.maxAbsDiff(padded.patches().narrow(1, 0, 19), all.patches())).isZero();
        assertThat(Torch.toFloats(padded.patches().narrow(1, 19, 2).contiguous())).containsOnly(0f);
    }

    /** Without use_scale_emb the scale table is loaded but not added: the score equals that with a zero table. */
    @Test
    void scaleEmbeddingIsAddedOnlyWhenAsked(@TempDir Path dir) throws IOException {
        Musiq.Config without = new Musiq.Config(8, 32, 16, 24, 2, 1, 4, 3, false, new int[] {16, 24},
                OptionalInt.of(-1), 1);
        Musiq.Config with = new Musiq.Config(8, 32, 16, 24, 2, 1, 4, 3, true, new int[] {16, 24},
                OptionalInt.of(-1), 1);
        RgbImage photo = ReferenceCheckpoints.photo("opencv_baboon.png", 40, 30, 20, 28);
        Map<String, TensorData> zeroScales = Map.of("transformer_encoder.scaleembed_input.scale_emb",
                TensorData.ofFloats(new long[] {3, 16}, new float[48]));
        double ignored = load(dir, "a", without, Map.of()).score(photo, null);
        double zero = load(dir, "b", with, zeroScales).score(photo, null);
        double used = load(dir, "c", with, Map.of()).score(photo, null);
        assertThat(ignored).isCloseTo(zero, offset(1e-6)).isNotCloseTo(used, offset(1e-4));
    }

    private static Musiq load(Path dir, String name, Musiq.Config config, Map<String, TensorData> fixed)
            throws IOException {
        Path file = ReferenceCheckpoints.write(dir, name + ".safetensors",
                ReferenceCheckpoints.random(referenceKeys(config), 9, 0.3, fixed));
        try (WeightOpener.Opened w = WeightOpener.standard().open(file)) {
            return Musiq.load(config, w, Placement.CPU_FP32);
        }
    }

    private static JsonConfig json(String text) {
        return JsonConfig.parse(text, "test");
    }

    private static double[][] project(dev.xpsr.nn.Linear layer, float[] x, int t, int d) {
        float[] w = Torch.toFloats(layer.weight);
        float[] b = Torch.toFloats(layer.bias);
        int out = (int) layer.outFeatures;
        double[][] y = new double[t][out];
        for (int i = 0; i < t; i++) {
            for (int o = 0; o < out; o++) {
                double acc = b[o];
                for (int e = 0; e < d; e++) {
                    acc += (double) w[o * d + e] * x[i * d + e];
                }
                y[i][o] = acc;
            }
        }
        return y;
    }
}
