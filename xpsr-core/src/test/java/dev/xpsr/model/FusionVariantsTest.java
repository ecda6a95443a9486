package dev.xpsr.model;

import dev.xpsr.golden.Golden;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.nn.FusionMode;
import dev.xpsr.nn.TextContext;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The paper's Table-3 fusion variants build, run forward and back-propagate into their own attention stacks. */
class FusionVariantsTest {

    @ParameterizedTest
    @EnumSource(FusionMode.class)
    void everyFusionVariantRunsForwardAndBackward(FusionMode mode) throws Exception {
        try (GoldenFixture f = GoldenFixture.open("unet_tiny")) {
            UNet2DConditionModel sd = Golden.loadWeights(f, new UNet2DConditionModel(Golden.config(f)));
            Generator g = Torch.generator(11);
            XpsrControlNetModel net = XpsrInitialization.controlNetFromUnet(sd, new XpsrControlNetLayout(mode, true, true), g);
            dev.xpsr.nn.Init.pytorchDefaults(net.controlnet_down_blocks, g); // non-zero, so gradients reach the blocks
            net.requiresGrad(true);
            Tensor sample = Torch.randn(g, 1, 4, 16, 16);
            Tensor text = Torch.randn(g, 1, 77, 32);
            Tensor low = Torch.randn(g, 1, 77, 32);
            Tensor image = Torch.randn(g, 1, 3, 128, 128);
            XpsrControlNetModel.Result r = net.forward(sample, Torch.scalarTensor(500), new TextContext(text, low), image, 1.0);

            Tensor loss = r.residuals().mid().pow(Torch.scalarTensor(2)).mean();
            for (Tensor t : r.residuals().down()) {
                loss = loss.add(t.pow(Torch.scalarTensor(2)).mean());
            }
            assertThat(Torch.toFloats(loss)[0]).isFinite();
            loss.backward();

            Map<String, Tensor> params = net.namedParameters();
            String probe = "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_q.weight";
            assertThat(params.get(probe).grad().defined()).as(probe).isTrue();
            assertThat(params.keySet().stream().anyMatch(k -> k.contains("attentions_lowlevel")))
                    .isEqualTo(mode.hasLowlevelStack());
            assertThat(params.keySet().stream().anyMatch(k -> k.contains("attentions_connect")))
                    .isEqualTo(mode.hasConnectStack());
            if (mode.hasLowlevelStack()) {
                String low2 = "down_blocks.0.attentions_lowlevel.0.transformer_blocks.0.attn2.to_k.weight";
                assertThat(Torch.toFloats(params.get(low2).grad().abs().sum())[0]).as(low2).isPositive();
            }
        }
    }
}
