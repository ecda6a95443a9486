package dev.xpsr.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.xpsr.golden.Golden;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.io.DType;
import dev.xpsr.io.JsonConfig;
import dev.xpsr.io.ModelConfigException;
import dev.xpsr.io.SafetensorsFile;
import dev.xpsr.io.SafetensorsWriter;
import dev.xpsr.io.TensorData;
import dev.xpsr.nn.WeightMismatchException;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PretrainedTest {
    @TempDir
    Path tmp;

    @Test
    void unetFolderRoundTripsInFp32AndFp16Variant() throws Exception {
        try (GoldenFixture f = GoldenFixture.open("unet_tiny"); AutoCloseable mode = Torch.inferenceMode()) {
            JsonConfig config = Golden.config(f);
            UNet2DConditionModel golden = Golden.loadWeights(f, new UNet2DConditionModel(config));
            Pretrained.save(golden, config, tmp, "diffusion_pytorch_model", null, DType.F32);
            Pretrained.save(golden, config, tmp, "diffusion_pytorch_model", "fp16", DType.F16);
            JsonNode plain = Golden.firstCaseWithoutResiduals(f);
            Tensor sample = f.tensor("input.sample");
            Tensor t = Golden.timestep(f, plain);
            Tensor ctx = f.tensor("input.encoder_hidden_states");
            Tensor expected = f.tensor("output." + plain.required("name").asText() + ".sample");

            Tensor fp32 = Pretrained.unet(tmp, null).forward(sample, t, ctx);
            Golden.assertClose("fp32 folder", fp32, expected, 1e-4);
            Tensor fp16 = Pretrained.unet(tmp, "fp16").forward(sample, t, ctx);
            // fp16 weights, fp32 compute: only the weight rounding (2^-11 relative) separates the outputs
            Golden.assertClose("fp16 folder", fp16, expected, 2e-2);
            assertThat(Torch.maxAbsDiff(fp16, expected)).isGreaterThan(0);
        }
    }

    @Test
    void missingConfigIsReportedWithItsPath() {
        assertThatThrownBy(() -> Pretrained.unet(tmp, null))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining(tmp.resolve("config.json").toString());
    }

    @Test
    void unknownBlockTypeAndMissingFieldNameTheKey() throws Exception {
        try (GoldenFixture f = GoldenFixture.open("unet_tiny")) {
            ObjectNode node = Golden.config(f).node().deepCopy();
            ((ArrayNode) node.get("down_block_types")).set(0, "SimpleCrossAttnDownBlock2D");
            assertThatThrownBy(() -> new UNet2DConditionModel(new JsonConfig(node, "my/config.json")))
                    .isInstanceOf(ModelConfigException.class)
                    .hasMessageContaining("my/config.json").hasMessageContaining("SimpleCrossAttnDownBlock2D");
            ObjectNode missing = Golden.config(f).node().deepCopy();
            missing.remove("block_out_channels");
            assertThatThrownBy(() -> new UNet2DConditionModel(new JsonConfig(missing, "my/config.json")))
                    .isInstanceOf(ModelConfigException.class).hasMessageContaining("'block_out_channels'");
        }
    }

    @Test
    void weightsThatDoNotFitAreListedAllAtOnce() throws Exception {
        try (GoldenFixture f = GoldenFixture.open("unet_tiny")) {
            JsonConfig config = Golden.config(f);
            Files.writeString(tmp.resolve("config.json"), config.node().toString());
            Map<String, TensorData> tensors = new LinkedHashMap<>();
            SafetensorsFile file = f.file();
            for (String key : file.keys()) {
                if (key.startsWith("input.") || key.startsWith("output.") || key.equals("conv_in.bias")
                        || key.equals("conv_out.bias")) {
                    continue;
                }
                var info = file.info(key);
                long[] shape = key.equals("time_embedding.linear_1.weight") ? new long[] {info.shape()[1], info.shape()[0]}
                        : info.shape();
                byte[] bytes = new byte[file.data(key).remaining()];
                file.data(key).get(bytes);
                tensors.put(key, TensorData.ofBytes(info.dtype(), shape, bytes));
            }
            tensors.put("extra.weight", TensorData.ofFloats(new long[] {1}, new float[] {1}));
            SafetensorsWriter.write(tmp.resolve("diffusion_pytorch_model.safetensors"), tensors, Map.of());
            assertThatThrownBy(() -> Pretrained.unet(tmp, null))
                    .isInstanceOfSatisfying(WeightMismatchException.class, e -> {
                        assertThat(e.missing()).containsExactlyInAnyOrder("conv_in.bias", "conv_out.bias");
                        assertThat(e.unexpected()).containsExactly("extra.weight");
                        assertThat(e.shapeMismatches()).singleElement().asString()
                                .contains("time_embedding.linear_1.weight");
                    })
                    .hasMessageContaining("diffusion_pytorch_model.safetensors");
        }
    }

    @Test
    void legacyVaeAttentionNamesMapOntoTheModernOnes() {
        assertThat(Pretrained.modernVaeKey("encoder.mid_block.attentions.0.query.weight"))
                .isEqualTo("encoder.mid_block.attentions.0.to_q.weight");
        assertThat(Pretrained.modernVaeKey("decoder.mid_block.attentions.0.proj_attn.bias"))
                .isEqualTo("decoder.mid_block.attentions.0.to_out.0.bias");
        assertThat(Pretrained.modernVaeKey("decoder.up_blocks.0.resnets.0.conv1.weight"))
                .isEqualTo("decoder.up_blocks.0.resnets.0.conv1.weight");
    }
}
