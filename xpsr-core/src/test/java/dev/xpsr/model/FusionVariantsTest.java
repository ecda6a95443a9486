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
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The paper's Table-3 fusion variants build, run forward and back-propagate into their own attention stacks. The
 * ControlNet is made from the golden tiny UNet ({@code unet_tiny}); the random inputs take their sizes from its
 * config (latent channels and {@code sample_size}, text width {@code cross_attention_dim}, the control image at the
 * ControlNet's conditioning factor).
 */
class FusionVariantsTest {
    /** CLIP's sequence length, what the pipeline always feeds. */
    private static final int TOKENS = 77;
    private static final Pattern CROSS_ATTENTION_QUERY =
            Pattern.compile("down_blocks\\.\\d+\\.attentions\\.\\d+\\.transformer_blocks\\.0\\.attn2\\.to_q\\.weight");
    private static final Pattern LOWLEVEL_CROSS_ATTENTION_KEY = Pattern.compile(
            "down_blocks\\.\\d+\\.attentions_lowlevel\\.\\d+\\.transformer_blocks\\.0\\.attn2\\.to_k\\.weight");

    @ParameterizedTest
    @EnumSource(FusionMode.class)
    void everyFusionVariantRunsForwardAndBackward(FusionMode mode) throws Exception {
        try (GoldenFixture f = GoldenFixture.open("unet_tiny")) {
            UNet2DConditionModel sd = Golden.loadWeights(f, new UNet2DConditionModel(Golden.config(f)));
            Generator g = Torch.generator(11);
            XpsrControlNetModel net = XpsrInitialization.controlNetFromUnet(sd, new XpsrControlNetLayout(mode, true, true), g);
            dev.xpsr.nn.Init.pytorchDefaults(net.controlnet_down_blocks, g); // non-zero, so gradients reach the blocks
            net.requiresGrad(true);
            UNetConfig c = sd.config;
            int side = Golden.config(f).integer("sample_size");
            int width = c.crossAttentionDim()[0];
            long imageSide = (long) side * net.conditioningDownFactor();
            Tensor sample = Torch.randn(g, 1, c.inChannels(), side, side);
            Tensor text = Torch.randn(g, 1, TOKENS, width);
            Tensor low = Torch.randn(g, 1, TOKENS, width);
            Tensor image = Torch.randn(g, 1, 3, imageSide, imageSide);
            XpsrControlNetModel.Result r = net.forward(sample, Torch.scalarTensor(500), new TextContext(text, low), image, 1.0);

            Tensor loss = r.residuals().mid().pow(Torch.scalarTensor(2)).mean();
            for (Tensor t : r.residuals().down()) {
                loss = loss.add(t.pow(Torch.scalarTensor(2)).mean());
            }
            assertThat(Torch.toFloats(loss)[0]).isFinite();
            loss.backward();

            Map<String, Tensor> params = net.namedParameters();
            String probe = firstKey(params, CROSS_ATTENTION_QUERY);
            assertThat(params.get(probe).grad().defined()).as(probe).isTrue();
            assertThat(params.keySet().stream().anyMatch(k -> k.contains("attentions_lowlevel")))
                    .isEqualTo(mode.hasLowlevelStack());
            assertThat(params.keySet().stream().anyMatch(k -> k.contains("attentions_connect")))
                    .isEqualTo(mode.hasConnectStack());
            if (mode.hasLowlevelStack()) {
                String low2 = firstKey(params, LOWLEVEL_CROSS_ATTENTION_KEY);
                assertThat(Torch.toFloats(params.get(low2).grad().abs().sum())[0]).as(low2).isPositive();
            }
        }
    }

    /** The first parameter (in module order) whose name matches, failing when none does. */
    private static String firstKey(Map<String, Tensor> params, Pattern name) {
        return params.keySet().stream().filter(k -> name.matcher(k).matches()).findFirst()
                .orElseThrow(() -> new AssertionError("no parameter matches " + name));
    }
}
