package dev.xpsr.baseline;

import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The TF.js reader and Keras semantics on a hand-made layers-model whose output is worked out by hand:
 * HWIO kernels, TensorFlow's SAME padding (odd pixel after), Concatenate on the channel axis, a bias-free 1×1
 * conv, relu, Add and nearest UpSampling2D.
 */
class KerasGraphBuilderTest {
    @TempDir
    Path dir;
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

    private static final String LAYERS = """
            {"class_name": "InputLayer", "name": "in", "inbound_nodes": [],
             "config": {"batch_input_shape": [null, null, null, 1], "dtype": "float32", "name": "in"}},
            {"class_name": "Conv2D", "name": "conv", "inbound_nodes": [[["in", 0, 0, {}]]],
             "config": {"name": "conv", "filters": 2, "kernel_size": [2, 2], "strides": [1, 1], "padding": "same",
                        "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1,
                        "activation": "linear", "use_bias": true}},
            {"class_name": "Concatenate", "name": "cat", "inbound_nodes": [[["in", 0, 0, {}], ["conv", 0, 0, {}]]],
             "config": {"name": "cat", "axis": -1}},
            {"class_name": "Conv2D", "name": "mix", "inbound_nodes": [[["cat", 0, 0, {}]]],
             "config": {"name": "mix", "filters": 3, "kernel_size": [1, 1], "strides": [1, 1], "padding": "valid",
                        "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1,
                        "activation": "linear", "use_bias": false}},
            {"class_name": "Activation", "name": "relu", "inbound_nodes": [[["mix", 0, 0, {}]]],
             "config": {"name": "relu", "activation": "relu"}},
            {"class_name": "Add", "name": "add", "inbound_nodes": [[["relu", 0, 0, {}], ["cat", 0, 0, {}]]],
             "config": {"name": "add"}},
            {"class_name": "UpSampling2D", "name": "up", "inbound_nodes": [[["add", 0, 0, {}]]],
             "config": {"name": "up", "size": [2, 2], "data_format": "channels_last", "interpolation": "nearest"}}
            """;

    private static final String MANIFEST = """
            [{"paths": ["group1-shard1of2.bin", "group1-shard2of2.bin"], "weights": [
              {"name": "conv/kernel", "shape": [2, 2, 1, 2], "dtype": "float32"},
              {"name": "conv/bias", "shape": [2], "dtype": "float32"},
              {"name": "mix/kernel", "shape": [1, 1, 3, 3], "dtype": "float32"}]}]
            """;

    /**
     * conv: filter 0 = 1 at (kh 0, kw 0) → out0 = in; filter 1 = 1 at (kh 0, kw 1), bias 10 → out1(y, x) =
     * in(y, x+1) + 10, zero past the right edge (SAME pads after). HWIO index = ((kh·2 + kw)·1 + i)·2 + o.
     * mix (HWIO index i·3 + o): mix0 = cat0 − cat2, mix1 = 2·cat1, mix2 = −cat0.
     */
    private static float[] weights() {
        float[] conv = {1, 0, 0, 1, 0, 0, 0, 0};
        float[] bias = {0, 10};
        float[] mix = {1, 0, -1, 0, 2, 0, -1, 0, 0};
        float[] all = new float[conv.length + bias.length + mix.length];
        System.arraycopy(conv, 0, all, 0, conv.length);
        System.arraycopy(bias, 0, all, conv.length, bias.length);
        System.arraycopy(mix, 0, all, conv.length + bias.length, mix.length);
        return all;
    }

    private Path write(String layers, String manifest, float[] weights) throws Exception {
        String json = """
                {"format": "layers-model", "generatedBy": "keras v2.10.0", "convertedBy": "hand",
                 "modelTopology": {"keras_version": "2.10.0", "backend": "tensorflow", "model_config": {
                   "class_name": "Functional", "config": {"name": "m", "layers": [%s],
                   "input_layers": [["in", 0, 0]], "output_layers": [["up", 0, 0]]}}},
                 "weightsManifest": %s}
                """.formatted(layers, manifest);
        Files.writeString(dir.resolve("model.json"), json);
        ByteBuffer b = ByteBuffer.allocate(4 * weights.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float w : weights) {
            b.putFloat(w);
        }
        // two shards, split mid-weight: the reader must concatenate them
        Files.write(dir.resolve("group1-shard1of2.bin"), java.util.Arrays.copyOfRange(b.array(), 0, 10));
        Files.write(dir.resolve("group1-shard2of2.bin"), java.util.Arrays.copyOfRange(b.array(), 10, b.capacity()));
        return dir.resolve("model.json");
    }

    @Test
    void computesTheHandWorkedOutput() throws Exception {
        LayerGraph g = KerasGraphBuilder.build(TfjsLayersModel.read(write(LAYERS, MANIFEST, weights())));
        // in = [[1,2],[3,4]]: cat = [in, out0 = in, out1 = [[12,10],[14,10]]]
        // relu(mix) = [0, 2·in, 0]; add = [in, 3·in, out1]; then every pixel repeated 2x2
        float[] out = Torch.toFloats(g.run(Torch.fromFloats(new float[] {1, 2, 3, 4}, 1, 1, 2, 2)));
        assertThat(out).containsExactly(
                1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4,
                3, 3, 6, 6, 3, 3, 6, 6, 9, 9, 12, 12, 9, 9, 12, 12,
                12, 12, 10, 10, 12, 12, 10, 10, 14, 14, 10, 10, 14, 14, 10, 10);
        assertThat(g.layerTypes()).containsExactly("Conv2D", "Concatenate", "Activation", "Add", "UpSampling2D");
    }

    @Test
    void rejectsUnknownLayerClassesNamingTheLayer() throws Exception {
        String layers = LAYERS.replace("\"class_name\": \"Add\"", "\"class_name\": \"Multiply\"");
        Path model = write(layers, MANIFEST, weights());
        assertThatThrownBy(() -> KerasGraphBuilder.build(TfjsLayersModel.read(model)))
                .isInstanceOf(TfjsFormatException.class)
                .hasMessageContaining("layer 'add'").hasMessageContaining("unsupported Keras class 'Multiply'");
    }

    @Test
    void rejectsUnsupportedOptions() throws Exception {
        String bilinear = LAYERS.replace("\"interpolation\": \"nearest\"", "\"interpolation\": \"bilinear\"");
        Path m1 = write(bilinear, MANIFEST, weights());
        assertThatThrownBy(() -> KerasGraphBuilder.build(TfjsLayersModel.read(m1)))
                .isInstanceOf(TfjsFormatException.class).hasMessageContaining("'bilinear'");
        String tanh = LAYERS.replace("\"activation\": \"relu\"", "\"activation\": \"tanh\"");
        Path m2 = write(tanh, MANIFEST, weights());
        assertThatThrownBy(() -> KerasGraphBuilder.build(TfjsLayersModel.read(m2)))
                .isInstanceOf(TfjsFormatException.class).hasMessageContaining("'tanh'");
    }

    @Test
    void rejectsQuantizedMissingUnusedAndShortWeights() throws Exception {
        Path quantized = write(LAYERS, MANIFEST.replace("{\"name\": \"conv/bias\", \"shape\": [2], \"dtype\": "
                + "\"float32\"}", "{\"name\": \"conv/bias\", \"shape\": [2], \"dtype\": \"float32\", "
                + "\"quantization\": {\"dtype\": \"uint8\", \"scale\": 1, \"min\": 0}}"), weights());
        assertThatThrownBy(() -> TfjsLayersModel.read(quantized)).isInstanceOf(TfjsFormatException.class)
                .hasMessageContaining("'conv/bias' is quantized");
        Path extra = write(LAYERS, MANIFEST.replace("\"dtype\": \"float32\"}]}]", "\"dtype\": \"float32\"},"
                + " {\"name\": \"spare\", \"shape\": [1], \"dtype\": \"float32\"}]}]"),
                java.util.Arrays.copyOf(weights(), weights().length + 1));
        assertThatThrownBy(() -> KerasGraphBuilder.build(TfjsLayersModel.read(extra)))
                .isInstanceOf(TfjsFormatException.class).hasMessageContaining("[spare]");
        Path missing = write(LAYERS, MANIFEST.replace("conv/bias", "conv/offset"), weights());
        assertThatThrownBy(() -> KerasGraphBuilder.build(TfjsLayersModel.read(missing)))
                .isInstanceOf(TfjsFormatException.class).hasMessageContaining("'conv/bias' is missing");
        Path shortShards = write(LAYERS, MANIFEST, java.util.Arrays.copyOf(weights(), 12));
        assertThatThrownBy(() -> TfjsLayersModel.read(shortShards)).isInstanceOf(TfjsFormatException.class)
                .hasMessageContaining("'mix/kernel'");
    }

    @Test
    void rejectsGraphModelsAndSharedLayers() throws Exception {
        Path m = write(LAYERS, MANIFEST, weights());
        Files.writeString(m, Files.readString(m).replace("\"layers-model\"", "\"graph-model\""));
        assertThatThrownBy(() -> TfjsLayersModel.read(m)).isInstanceOf(TfjsFormatException.class)
                .hasMessageContaining("'graph-model'");
        String shared = LAYERS.replace("\"inbound_nodes\": [[[\"mix\", 0, 0, {}]]]",
                "\"inbound_nodes\": [[[\"mix\", 0, 0, {}]], [[\"cat\", 0, 0, {}]]]");
        Path m2 = write(shared, MANIFEST, weights());
        assertThatThrownBy(() -> TfjsLayersModel.read(m2)).isInstanceOf(TfjsFormatException.class)
                .hasMessageContaining("shared layers");
    }

    @Test
    void shardsOutsideTheModelFolderAreRefusedNamingModelJson() throws Exception {
        Path model = write(LAYERS, MANIFEST, weights());
        Path outside = Files.createTempFile(dir.getParent(), "outside", ".bin");
        outside.toFile().deleteOnExit();
        Files.copy(dir.resolve("group1-shard1of2.bin"), outside, StandardCopyOption.REPLACE_EXISTING);
        Files.createSymbolicLink(dir.resolve("linked.bin"), outside);
        String sibling = outside.getFileName().toString();
        for (String name : new String[] {"../" + sibling, outside.toString(), "sub/../../" + sibling, "linked.bin"}) {
            Files.writeString(model, Files.readString(write(LAYERS, MANIFEST, weights()))
                    .replace("\"group1-shard1of2.bin\"", "\"" + name + "\""));
            assertThatThrownBy(() -> TfjsLayersModel.read(model)).as(name).isInstanceOf(TfjsFormatException.class)
                    .hasMessageContaining(model.toString()).hasMessageContaining("'" + name + "'");
        }
        Files.writeString(model, Files.readString(model).replace("\"linked.bin\"", "\"missing.bin\""));
        assertThatThrownBy(() -> TfjsLayersModel.read(model)).isInstanceOf(TfjsFormatException.class)
                .hasMessageContaining("'missing.bin' is missing");
    }
}
