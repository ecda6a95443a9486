package dev.xpsr.nn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.xpsr.golden.Golden;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.io.DType;
import dev.xpsr.io.JsonConfig;
import dev.xpsr.model.UNet2DConditionModel;
import dev.xpsr.torch.Placement;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code upcast_attention} (SD-2.x): a float32 model computes exactly what it computes without the flag, as the
 * reference does ({@code sd21_unet_tiny}'s {@code extra.upcast_attention_false_comparison}); below float32 the
 * scores are computed in float32 and the result keeps the input's type.
 */
class AttentionUpcastTest {

    @Test
    void upcastAttentionChangesNothingInFloat32() throws Exception {
        try (GoldenFixture f = GoldenFixture.open("sd21_unet_tiny"); AutoCloseable mode = Torch.inferenceMode()) {
            JsonConfig config = Golden.config(f);
            ObjectNode flipped = config.node().deepCopy();
            flipped.put("upcast_attention", !config.bool("upcast_attention", false));
            UNet2DConditionModel stored = Golden.loadWeights(f, new UNet2DConditionModel(config));
            UNet2DConditionModel other = Golden.loadWeights(f, new UNet2DConditionModel(
                    new JsonConfig(flipped, config.source() + " with upcast_attention flipped")));
            JsonNode c = f.json("extra").required("cases").get(0);
            Tensor t = f.tensor("input." + c.required("name").asText() + ".timestep");
            t = c.required("timestep_is_0d").asBoolean() ? t.reshape() : t;
            Tensor sample = f.tensor("input.sample");
            Tensor text = f.tensor("input.encoder_hidden_states");
            assertThat(Torch.maxAbsDiff(stored.forward(sample, t, text), other.forward(sample, t, text)))
                    .as("float32 outputs with and without upcast_attention").isZero();
        }
    }

    @Test
    void upcastAttentionInBfloat16KeepsTheTypeAndFollowsTheFloat32Result() throws Exception {
        try (AutoCloseable mode = Torch.inferenceMode()) {
            Attention attention = Attention.transformer(32, 24, 4, 8, true);
            Init.pytorchDefaults(attention, Torch.generator(3));
            var g = Torch.generator(4);
            // bfloat16-representable inputs, so both precisions see the same numbers
            Tensor x = Torch.mul(Torch.randn(g, 2, 40, 32), 3.0).to(ScalarType.BFloat16).to(ScalarType.Float);
            Tensor context = Torch.mul(Torch.randn(g, 2, 7, 24), 3.0).to(ScalarType.BFloat16).to(ScalarType.Float);
            Tensor reference = attention.forward(x, context);

            attention.to(new Placement("cpu", Placement.Precision.BF16));
            Tensor low = attention.forward(x.to(ScalarType.BFloat16), context.to(ScalarType.BFloat16));
            assertThat(Torch.dtype(low)).isEqualTo(DType.BF16);
            double scale = reference.abs().max().item_double();
            assertThat(Torch.maxAbsDiff(low.to(ScalarType.Float), reference) / scale)
                    .as("bfloat16 upcast attention against float32, relative to the largest output")
                    .isLessThan(0.05);
        }
    }
}
