package dev.xpsr.baseline;

import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Blob bookkeeping of the graph runner: validation, ownership, release and the live-bytes measurement. */
class LayerGraphTest {
    private static LayerGraph.Node node(String name, List<String> in, List<String> out, GraphOp op) {
        return new LayerGraph.Node(name, "Test", in, out, op);
    }

    private static final GraphOp DOUBLE = x -> new Tensor[] {Torch.mul(x[0], 2)};
    private static final GraphOp CAT = x -> new Tensor[] {Torch.cat(1, x)};
    private static final GraphOp SPLIT = x -> new Tensor[] {x[0], x[0]};

    @Test
    void rejectsBlobsReadBeforeWrittenWrittenTwiceOrMissing() {
        assertThatThrownBy(() -> new LayerGraph("g", "in", "b", List.of(node("n", List.of("a"), List.of("b"),
                DOUBLE)))).hasMessageContaining("reads blob 'a'");
        assertThatThrownBy(() -> new LayerGraph("g", "in", "a", List.of(node("n1", List.of("in"), List.of("a"),
                DOUBLE), node("n2", List.of("in"), List.of("a"), DOUBLE)))).hasMessageContaining("written twice");
        assertThatThrownBy(() -> new LayerGraph("g", "in", "z", List.of(node("n", List.of("in"), List.of("a"),
                DOUBLE)))).hasMessageContaining("output blob 'z'");
    }

    @Test
    void neverFreesTheCallersInputEvenWhenALayerPassesItOn() {
        NativeStartup.ensureStarted();
        // the input is split (the same tensor object twice), doubled and concatenated; no scope owns the input
        LayerGraph g = new LayerGraph("g", "in", "out", List.of(
                node("split", List.of("in"), List.of("s1", "s2"), SPLIT),
                node("double", List.of("s1"), List.of("d"), DOUBLE),
                node("cat", List.of("d", "s2"), List.of("out"), CAT)));
        Tensor x = Torch.fromFloats(new float[] {1, 2}, 1, 1, 1, 2);
        try (PointerScope scope = new PointerScope()) {
            assertThat(Torch.toFloats(g.run(x))).containsExactly(2, 4, 1, 2);
            assertThat(Torch.toFloats(g.run(x))).containsExactly(2, 4, 1, 2);
        }
        assertThat(Torch.toFloats(x)).containsExactly(1, 2);
        LayerGraph identity = new LayerGraph("id", "in", "in", List.of());
        assertThat(Torch.toFloats(identity.run(x))).containsExactly(1, 2);
        assertThat(Torch.toFloats(x)).containsExactly(1, 2);
    }

    @Test
    void measuresThePeakOfLiveBlobsCountingSharedStorageOnce() {
        NativeStartup.ensureStarted();
        // input 16 floats = 64 B; split shares it; double adds 64 B; cat adds 128 B while d and s2 are alive
        LayerGraph g = new LayerGraph("g", "in", "out", List.of(
                node("split", List.of("in"), List.of("s1", "s2"), SPLIT),
                node("double", List.of("s1"), List.of("d"), DOUBLE),
                node("cat", List.of("d", "s2"), List.of("out"), CAT)));
        LayerGraph.Probe probe = g.probe(Torch.zeros(1, 1, 4, 4));
        assertThat(probe.peakLiveBytes()).isEqualTo(64 + 64 + 128);
        assertThat(probe.outputShape()).containsExactly(1, 2, 4, 4);
    }

    @Test
    void namesTheFailingLayer() {
        NativeStartup.ensureStarted();
        LayerGraph g = new LayerGraph("model.param", "in", "out", List.of(
                node("bad", List.of("in"), List.of("out"), x -> new Tensor[] {x[0], x[0]})));
        assertThatThrownBy(() -> g.run(Torch.zeros(1, 1, 2, 2))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("model.param: layer 'bad' (Test) failed: produced 2 outputs");
    }
}
