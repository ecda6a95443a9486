package dev.xpsr.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.xpsr.golden.Golden;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.io.JsonConfig;
import dev.xpsr.nn.TextContext;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class XpsrInitializationTest {

    @Test
    void controlNetCopiesTheUnetEncoderAndFusionStacksExceptMismatchedShapes() throws Exception {
        try (GoldenFixture f = GoldenFixture.open("unet_tiny")) {
            UNet2DConditionModel sd = Golden.loadWeights(f, new UNet2DConditionModel(Golden.config(f)));
            XpsrControlNetModel net = XpsrInitialization.controlNetFromUnet(sd, XpsrControlNetLayout.XPSR, Torch.generator(1));
            Map<String, Tensor> source = sd.stateDict();
            Map<String, Tensor> target = net.stateDict();
            // every tensor of the UNet's encoder half reappears in the ControlNet under its own name, copied
            for (Map.Entry<String, Tensor> e : source.entrySet()) {
                if (encoderHalf(e.getKey())) {
                    assertThat(target).as("ControlNet keys").containsKey(e.getKey());
                    assertThat(Torch.maxAbsDiff(target.get(e.getKey()), e.getValue())).as(e.getKey()).isZero();
                }
            }
            int textWidth = sd.config.crossAttentionDim()[0];
            int fresh = 0;
            for (Map.Entry<String, Tensor> e : target.entrySet()) {
                String key = e.getKey();
                Tensor src = source.get(XpsrInitialization.sourceKey(key));
                if (!encoderHalf(key) || src == null) {
                    continue;
                }
                if (Arrays.equals(Torch.shape(src), Torch.shape(e.getValue()))) {
                    // fusion stacks start as copies of the plain attentions
                    assertThat(Torch.maxAbsDiff(e.getValue(), src)).as(key).isZero();
                } else {
                    // only the fusion's K/V differ: their context is the block's width, not the text's
                    assertThat(key).matches(".*attentions_connect.*attn2\\.to_[kv]\\..*");
                    assertThat(Torch.shape(e.getValue())[1]).as(key + " context width")
                            .isEqualTo(Torch.shape(target.get(key.replaceAll("to_[kv]\\.", "to_q.")))[1]);
                    fresh++;
                }
            }
            assertThat(fresh > 0).as("fresh fusion K/V projections (attention blocks whose width is not the text "
                    + "width %d)", textWidth).isEqualTo(attentionWidths(sd.config).anyMatch(w -> w != textWidth));
            assertThat(net.stateDict().keySet()).anyMatch(k -> k.contains("attentions_lowlevel"))
                    .anyMatch(k -> k.contains("attentions_connect"));
            for (Tensor zero : net.controlnet_down_blocks.namedParameters().values()) {
                assertThat(Torch.toFloats(zero.abs().max())[0]).isZero();
            }
            assertThat(Torch.toFloats(net.controlnet_mid_block.weight.abs().max())[0]).isZero();
            assertThat(Torch.toFloats(net.controlnet_cond_embedding.conv_out.weight.abs().max())[0]).isZero();
            assertThat(Torch.toFloats(net.conv_degradation.get(0).get(0).weight.abs().max())[0]).isPositive();
        }
    }

    /** Channel widths of the blocks that hold attentions: the cross-attention down blocks and the mid block. */
    private static IntStream attentionWidths(UNetConfig c) {
        int[] w = c.blockOutChannels();
        IntStream down = IntStream.range(0, w.length).filter(i -> c.downBlockTypes()[i].startsWith("CrossAttn"))
                .map(i -> w[i]);
        return IntStream.concat(down, IntStream.of(w[w.length - 1]));
    }

    /** The UNet parts a ControlNet copies ({@code ControlNetModel.from_unet}). */
    private static boolean encoderHalf(String key) {
        return key.startsWith("conv_in.") || key.startsWith("time_embedding.") || key.startsWith("down_blocks.")
                || key.startsWith("mid_block.");
    }

    @Test
    void xpsrUnetHoldsEverySdTensorAndFreshPixelAttentions() throws Exception {
        try (GoldenFixture f = GoldenFixture.open("xpsr_unet")) {
            // the XPSR UNet fixture's config is an SD config plus XPSR's flags; its SD part is a plain UNet
            UNet2DConditionModel sd = new UNet2DConditionModel(Golden.config(f));
            dev.xpsr.nn.Init.pytorchDefaults(sd, Torch.generator(3));
            XpsrUNet2DConditionModel unet = XpsrInitialization.unetFromSd(sd, Torch.generator(4));
            Map<String, Tensor> xpsr = unet.stateDict();
            for (Map.Entry<String, Tensor> e : sd.stateDict().entrySet()) {
                assertThat(xpsr).containsKey(e.getKey());
                assertThat(Torch.maxAbsDiff(xpsr.get(e.getKey()), e.getValue())).as(e.getKey()).isZero();
            }
            long pixel = xpsr.keySet().stream().filter(k -> k.contains("pixel_attentions")).count();
            assertThat(pixel).isPositive();
            assertThat(xpsr.size()).isEqualTo(sd.stateDict().size() + pixel);
        }
    }

    /**
     * train.py derives XPSR's networks from the base UNet's config ({@code ControlNetModel.from_unet}, the XPSR UNet
     * from the same config). From the SD-2.1-structured config of {@code sd21_xpsr_unet}, the derived configs carry
     * what {@code from_unet} copies (linear projections, per-block heads, upcast, context width), build models that
     * hold exactly the official weights, and reproduce the official outputs, which the head counts decide.
     */
    @Test
    void networksDerivedFromAnSd21UnetConfigAreTheOfficialOnes() throws Exception {
        try (GoldenFixture unetFixture = GoldenFixture.open("sd21_xpsr_unet");
             GoldenFixture cnFixture = GoldenFixture.open("sd21_xpsr_controlnet");
             AutoCloseable mode = Torch.inferenceMode()) {
            UNetConfig sd = UNetConfig.from(Golden.config(unetFixture), true);
            JsonConfig derived = XpsrInitialization.controlNetConfig(sd, XpsrControlNetLayout.XPSR);
            JsonNode copies = cnFixture.json("extra").required("xpsr_accepts_sd21_options")
                    .required("from_unet_copies");
            for (Map.Entry<String, JsonNode> e : copies.properties()) {
                JsonNode value = derived.node().get(e.getKey());
                assertThat(value == null ? NullNode.getInstance() : value).as(e.getKey()).isEqualTo(e.getValue());
            }
            // from_unet's own argument (train.py leaves its default); the tiny fixture chose other widths
            derived.node().set("conditioning_embedding_out_channels",
                    Golden.config(cnFixture).node().get("conditioning_embedding_out_channels"));
            XpsrControlNetModel controlNet = Golden.loadWeights(cnFixture, new XpsrControlNetModel(derived));
            XpsrUNet2DConditionModel unet = Golden.loadWeights(unetFixture,
                    new XpsrUNet2DConditionModel(XpsrInitialization.unetConfig(sd)));

            TextContext texts = new TextContext(cnFixture.tensor("input.encoder_hidden_states"),
                    cnFixture.tensor("input.lowlevel_encoder_hidden_states"));
            double scale = cnFixture.json("extra").required("conditioning_scale").asDouble();
            XpsrControlNetModel.Result r = controlNet.forward(cnFixture.tensor("input.sample"), timestep(cnFixture),
                    texts, cnFixture.tensor("input.controlnet_cond"), scale);
            Golden.assertClose("ControlNet mid residual", r.residuals().mid(),
                    cnFixture.tensor("output.mid_block_res_sample"), 1e-4);
            Tensor sample = unet.forward(unetFixture.tensor("input.sample"), timestep(unetFixture),
                    new TextContext(unetFixture.tensor("input.encoder_hidden_states"),
                            unetFixture.tensor("input.lowlevel_encoder_hidden_states")),
                    unetFixture.tensorList("input.down_block_additional_residuals"),
                    unetFixture.tensor("input.mid_block_additional_residual"));
            Golden.assertClose("UNet sample", sample, unetFixture.tensor("output.sample"), 1e-4);
        }
    }

    /** {@code input.timestep}, 0-d where the reference passed a 0-d tensor. */
    private static Tensor timestep(GoldenFixture f) {
        Tensor t = f.tensor("input.timestep");
        return f.json("extra").required("timestep_is_0d").asBoolean() ? t.reshape() : t;
    }
}
