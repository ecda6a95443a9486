package dev.xpsr.model;

import dev.xpsr.golden.Golden;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class XpsrInitializationTest {

    @Test
    void controlNetCopiesTheUnetEncoderAndFusionStacksExceptMismatchedShapes() throws Exception {
        try (GoldenFixture f = GoldenFixture.open("unet_tiny")) {
            UNet2DConditionModel sd = Golden.loadWeights(f, new UNet2DConditionModel(Golden.config(f)));
            XpsrControlNetModel net = XpsrInitialization.controlNetFromUnet(sd, XpsrControlNetLayout.XPSR, Torch.generator(1));
            Map<String, Tensor> source = sd.stateDict();
            int copied = 0;
            int fresh = 0;
            for (Map.Entry<String, Tensor> e : net.stateDict().entrySet()) {
                String key = e.getKey();
                Tensor src = source.get(XpsrInitialization.sourceKey(key));
                boolean fromUnet = key.startsWith("conv_in.") || key.startsWith("time_embedding.")
                        || key.startsWith("down_blocks.") || key.startsWith("mid_block.");
                if (fromUnet && src != null && Arrays.equals(Torch.shape(src), Torch.shape(e.getValue()))) {
                    assertThat(Torch.maxAbsDiff(e.getValue(), src)).as(key).isZero();
                    copied++;
                } else if (key.contains("attentions_connect") && (key.contains("attn2.to_k") || key.contains("attn2.to_v"))) {
                    // context = block width, not text width: freshly initialised unless the widths coincide
                    assertThat(src).as(key + " source").isNotNull();
                    assertThat(Torch.shape(e.getValue())[1]).isNotEqualTo(Torch.shape(src)[1]);
                    fresh++;
                }
            }
            assertThat(copied).isGreaterThan(300);
            assertThat(fresh).as("fresh fusion K/V projections").isPositive();
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
}
