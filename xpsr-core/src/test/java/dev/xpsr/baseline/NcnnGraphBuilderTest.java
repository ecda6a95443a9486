package dev.xpsr.baseline;

import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * ncnn layer semantics on tiny hand-made .param/.bin graphs whose outputs are worked out by hand in the
 * comments: kernel layout and orientation, padding, fused activations, pixel shuffle modes, nearest Interp
 * index arithmetic, Eltwise coefficients, BinaryOp, Split/Concat and PReLU.
 */
class NcnnGraphBuilderTest {
    private PointerScope scope;

    @BeforeEach
    void open() {
        NativeStartup.ensureStarted();
        scope = new PointerScope();
    }

    @AfterEach
    void close() {
        scope.close();
    }

    private static LayerGraph graph(String layers, NcnnBytes bin) {
        long count = layers.lines().filter(l -> !l.isBlank()).count();
        java.util.Set<String> blobs = new java.util.HashSet<>();
        for (String line : layers.lines().filter(l -> !l.isBlank()).toList()) {
            String[] t = line.trim().split("\\s+");
            int n = Integer.parseInt(t[2]) + Integer.parseInt(t[3]);
            blobs.addAll(java.util.Arrays.asList(t).subList(4, 4 + n));
        }
        String text = "7767517\n" + count + " " + blobs.size() + "\n" + layers;
        return NcnnGraphBuilder.build(NcnnParamFile.parse(text, "hand.param"), bin.bin());
    }

    private static float[] run(LayerGraph g, float[] input, long c, long h, long w) {
        return Torch.toFloats(g.run(Torch.fromFloats(input, 1, c, h, w)));
    }

    private static long[] shape(LayerGraph g, float[] input, long c, long h, long w) {
        return Torch.shape(g.run(Torch.fromFloats(input, 1, c, h, w)));
    }

    private static final float[] NINE = {1, 2, 3, 4, 5, 6, 7, 8, 9};

    @Test
    void convolutionIsCrossCorrelationWithOihwKernelsZeroPaddingAndLeakyRelu() {
        // two 3x3 filters on one channel, fp16: filter 0 has a 1 at (ky 0, kx 0), so out0(y, x) = in(y-1, x-1);
        // filter 1 has −1 at (ky 1, kx 2), so out1(y, x) = −in(y, x+1). Biases 0.5 and 0; LeakyReLU slope 0.5.
        float[] w = new float[18];
        w[0] = 1;
        w[9 + 5] = -1;
        LayerGraph g = graph("""
                Input        in    0 1 data
                Convolution  conv  1 1 data out 0=2 1=3 4=1 5=1 6=18 9=2 -23310=1,5.000000e-01
                """, new NcnnBytes().half(w).floats(0.5f, 0f));
        // in = [[1,2,3],[4,5,6],[7,8,9]]
        assertThat(run(g, NINE, 1, 3, 3)).containsExactly(
                0.5f, 0.5f, 0.5f,
                0.5f, 1.5f, 2.5f,
                0.5f, 4.5f, 5.5f,
                // −in(y, x+1) = [[-2,-3,0],[-5,-6,0],[-8,-9,0]], halved by the leaky slope
                -1f, -1.5f, 0f,
                -2.5f, -3f, 0f,
                -4f, -4.5f, 0f);
    }

    @Test
    void samePaddingPutsTheOddPixelAfterForUpperAndBeforeForLower() {
        // a 2x2 all-ones kernel on [[1,2],[3,4]]: SAME_UPPER pads right/bottom, sums in[y..y+1][x..x+1]
        LayerGraph upper = graph("""
                Input        in    0 1 data
                Convolution  conv  1 1 data out 0=1 1=2 4=-233 6=4
                """, new NcnnBytes().flaggedFloats(1, 1, 1, 1));
        assertThat(run(upper, new float[] {1, 2, 3, 4}, 1, 2, 2)).containsExactly(10f, 6f, 7f, 4f);
        // SAME_LOWER pads left/top: sums in[y-1..y][x-1..x]
        LayerGraph lower = graph("""
                Input        in    0 1 data
                Convolution  conv  1 1 data out 0=1 1=2 4=-234 6=4
                """, new NcnnBytes().flaggedFloats(1, 1, 1, 1));
        assertThat(run(lower, new float[] {1, 2, 3, 4}, 1, 2, 2)).containsExactly(1f, 3f, 4f, 10f);
    }

    @Test
    void explicitAsymmetricPaddingStrideAndClip() {
        // 1x1 kernel ×2, pad left 1 only (4=1 15=0 14=0 16=0), stride 2, clip to [0, 5]:
        // padded rows [0,1,2,3] and [0,4,5,6] (3 rows), stride 2 keeps columns 0, 2 and rows 0, 2
        LayerGraph g = graph("""
                Input        in    0 1 data
                Convolution  conv  1 1 data out 0=1 1=1 3=2 4=1 15=0 14=0 16=0 6=1 9=3 -23310=2,0.0,5.0
                """, new NcnnBytes().half(2f));
        assertThat(shape(g, NINE, 1, 3, 3)).containsExactly(1, 1, 2, 2);
        // padded: [[0,1,2,3],[0,4,5,6],[0,7,8,9]] ×2 = [[0,2,4,6],...,[0,14,16,18]], picks (0,0),(0,2),(2,0),(2,2)
        assertThat(run(g, NINE, 1, 3, 3)).containsExactly(0f, 4f, 0f, 5f);
    }

    @Test
    void pixelShuffleMode0IsPytorchsAndMode1IsDepthToSpace() {
        // 8 channels of one pixel, values 1..8, r = 2 → 2 channels of 2x2
        float[] eight = {1, 2, 3, 4, 5, 6, 7, 8};
        LayerGraph torchOrder = graph("""
                Input         in  0 1 data
                PixelShuffle  ps  1 1 data out 0=2
                """, new NcnnBytes());
        // mode 0: channel p, position (sh, sw) ← input channel 4p + 2sh + sw
        assertThat(run(torchOrder, eight, 8, 1, 1)).containsExactly(1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f);
        LayerGraph tfOrder = graph("""
                Input         in  0 1 data
                PixelShuffle  ps  1 1 data out 0=2 1=1
                """, new NcnnBytes());
        // mode 1: ← input channel (2sh + sw)·2 + p
        assertThat(run(tfOrder, eight, 8, 1, 1)).containsExactly(1f, 3f, 5f, 7f, 2f, 4f, 6f, 8f);
        // spatial interleave, mode 0: 4 channels of 1x2, ch k = [a_k, b_k] → rows [a0 a1 b0 b1], [a2 a3 b2 b3]
        assertThat(run(torchOrder, eight, 4, 1, 2)).containsExactly(1f, 3f, 2f, 4f, 5f, 7f, 6f, 8f);
    }

    @Test
    void nearestInterpUsesNcnnsFloatIndexArithmetic() {
        float[] six = {1, 2, 3, 4, 5, 6};
        LayerGraph twice = graph("""
                Input   in  0 1 data
                Interp  up  1 1 data out 0=1 1=2.000000e+00 2=2.000000e+00
                """, new NcnnBytes());
        assertThat(run(twice, six, 1, 2, 3)).containsExactly(
                1f, 1f, 2f, 2f, 3f, 3f,
                1f, 1f, 2f, 2f, 3f, 3f,
                4f, 4f, 5f, 5f, 6f, 6f,
                4f, 4f, 5f, 5f, 6f, 6f);
        // width ×1.5: outw = (int)(3·1.5) = 4, ws = 1/1.5f: columns (int)(x·ws) = 0, 0, 1, 2
        LayerGraph oneAndAHalf = graph("""
                Input   in  0 1 data
                Interp  up  1 1 data out 0=1 2=1.5
                """, new NcnnBytes());
        assertThat(run(oneAndAHalf, six, 1, 2, 3)).containsExactly(1f, 1f, 2f, 3f, 4f, 4f, 5f, 6f);
        // explicit 3x5 output: hs = 2/3f → rows 0, 0, 1; ws = 3/5f → columns 0, 0, 1, 1, 2
        LayerGraph sized = graph("""
                Input   in  0 1 data
                Interp  up  1 1 data out 0=1 3=3 4=5
                """, new NcnnBytes());
        assertThat(run(sized, six, 1, 2, 3)).containsExactly(
                1f, 1f, 2f, 2f, 3f,
                1f, 1f, 2f, 2f, 3f,
                4f, 4f, 5f, 5f, 6f);
    }

    @Test
    void eltwiseBinaryOpSplitConcatAndPrelu() {
        // data → split a, b, c; d = 0.2·a + 1·b (Eltwise sum with coefficients); e = d − c (BinaryOp sub);
        // f = 1 − e (rsub with scalar 1); g = concat(f, e) along channels; out = PReLU(g) slopes 0.1 and 0.5
        LayerGraph g = graph("""
                Input     in     0 1 data
                Split     sp     1 3 data a b c
                Eltwise   sum    2 1 a b d 0=1 -23301=2,2.000000e-01,1.000000e+00
                BinaryOp  sub    2 1 d c e 0=1
                Split     sp2    1 2 e e1 e2
                BinaryOp  rsub   1 1 e1 f 0=7 1=1 2=1.0
                Concat    cat    2 1 f e2 gg
                PReLU     prelu  1 1 gg out 0=2
                """, new NcnnBytes().floats(0.1f, 0.5f));
        // x = [10, −10]: d = 1.2x, e = 0.2x = [2, −2], f = 1 − e = [−1, 3]
        // PReLU: channel 0 (f) slope 0.1 → [−0.1, 3]; channel 1 (e) slope 0.5 → [2, −1]
        float[] out = run(g, new float[] {10, -10}, 1, 1, 2);
        assertThat(out).usingComparatorWithPrecision(1e-5f).containsExactly(-0.1f, 3f, 2f, -1f);
    }

    @Test
    void eltwiseProductMaxAndConcatAlongHeight() {
        LayerGraph g = graph("""
                Input     in    0 1 data
                Split     sp    1 4 data a b c d
                Eltwise   prod  2 1 a b p 0=0
                Eltwise   max   2 1 c p m 0=2
                Concat    cat   2 1 m d out 0=1
                """, new NcnnBytes());
        // p = x², m = max(x, x²), then the input stacked below along the height axis
        assertThat(run(g, new float[] {0.5f, 3f}, 1, 1, 2)).containsExactly(0.5f, 9f, 0.5f, 3f);
        assertThat(shape(g, new float[] {0.5f, 3f}, 1, 1, 2)).containsExactly(1, 1, 2, 2);
    }

    @Test
    void rejectsUnknownLayersParametersAndMismatchedWeights() {
        assertThatThrownBy(() -> graph("""
                Input          in  0 1 data
                Deconvolution  up  1 1 data out 0=3 1=4 6=48
                """, new NcnnBytes())).isInstanceOf(NcnnFormatException.class)
                .hasMessageContaining("line 4").hasMessageContaining("unsupported layer type 'Deconvolution'");
        assertThatThrownBy(() -> graph("""
                Input        in    0 1 data
                Convolution  conv  1 1 data out 0=1 1=1 6=1 7=2
                """, new NcnnBytes().half(1f))).isInstanceOf(NcnnFormatException.class)
                .hasMessageContaining("parameter id 7");
        assertThatThrownBy(() -> graph("""
                Input        in    0 1 data
                Convolution  conv  1 1 data out 0=2 1=3 6=18
                """, new NcnnBytes().half(1f))).isInstanceOf(NcnnFormatException.class)
                .hasMessageContaining("conv weights");
        assertThatThrownBy(() -> graph("""
                Input        in    0 1 data
                Convolution  conv  1 1 data out 0=1 1=1 6=1
                """, new NcnnBytes().half(1f).floats(2f))).isInstanceOf(NcnnFormatException.class)
                .hasMessageContaining("bytes left");
        assertThatThrownBy(() -> graph("""
                Input   in  0 1 data
                Interp  up  1 1 data out 0=2 1=2.0 2=2.0
                """, new NcnnBytes())).isInstanceOf(NcnnFormatException.class)
                .hasMessageContaining("resize_type 2");
    }

    @Test
    void aLayerFailingAtRunTimeIsNamed() {
        LayerGraph g = graph("""
                Input        in    0 1 data
                Convolution  conv  1 1 data out 0=1 1=1 6=2
                """, new NcnnBytes().half(1f, 1f));
        assertThatThrownBy(() -> run(g, NINE, 1, 3, 3)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("layer 'conv' (Convolution) failed");
    }
}
