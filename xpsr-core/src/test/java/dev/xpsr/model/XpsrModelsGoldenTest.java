package dev.xpsr.model;

import dev.xpsr.golden.Golden;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.nn.TextContext;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** XPSR's ControlNet and UNet against the official code, on every fixture pair of those kinds. */
class XpsrModelsGoldenTest {
    private static final double TOL = 1e-4;

    @ParameterizedTest
    @ValueSource(strings = {"xpsr_controlnet", "xpsr_lowlevel_unet_controlnet", "sd21_xpsr_controlnet"})
    void xpsrControlNetMatchesOfficialOutputsWithAndWithoutLowlevelPrompt(String fixture) throws Exception {
        try (GoldenFixture f = GoldenFixture.open(fixture); AutoCloseable mode = Torch.inferenceMode()) {
            XpsrControlNetModel net = Golden.loadWeights(f, new XpsrControlNetModel(Golden.config(f)));
            Tensor sample = f.tensor("input.sample");
            Tensor t = timestep(f);
            Tensor text = f.tensor("input.encoder_hidden_states");
            Tensor cond = f.tensor("input.controlnet_cond");
            double scale = f.json("extra").get("conditioning_scale").asDouble();

            XpsrControlNetModel.Result r = net.forward(sample, t,
                    new TextContext(text, f.tensor("input.lowlevel_encoder_hidden_states")), cond, scale);
            assertAllClose("down", r.residuals().down(), f.tensorList("output.down_block_res_samples"));
            Golden.assertClose("mid", r.residuals().mid(), f.tensor("output.mid_block_res_sample"), TOL);
            assertAllClose("latent head", r.latentPredictions(), f.tensorList("output.degradation_rgb"));
            Golden.assertClose("latent head mid", r.latentPredictionMid(), f.tensor("output.degradation_rgb_mid"), TOL);
            assertAllClose("rgb head", r.rgbPredictions(), f.tensorList("output.controlnet_cond_mid"));

            XpsrControlNetModel.Result noLow = net.forward(sample, t, TextContext.of(text), cond, scale);
            assertAllClose("no-lowlevel down", noLow.residuals().down(),
                    f.tensorList("output.no_lowlevel.down_block_res_samples"));
            Golden.assertClose("no-lowlevel mid", noLow.residuals().mid(),
                    f.tensor("output.no_lowlevel.mid_block_res_sample"), TOL);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"xpsr_unet", "xpsr_lowlevel_unet_unet", "sd21_xpsr_unet"})
    void xpsrUnetMatchesOfficialOutputsWithPixelAttentionOverControlNetResiduals(String fixture) throws Exception {
        try (GoldenFixture f = GoldenFixture.open(fixture); AutoCloseable mode = Torch.inferenceMode()) {
            XpsrUNet2DConditionModel unet = Golden.loadWeights(f, new XpsrUNet2DConditionModel(Golden.config(f)));
            Tensor sample = f.tensor("input.sample");
            Tensor t = timestep(f);
            Tensor text = f.tensor("input.encoder_hidden_states");
            List<Tensor> down = f.tensorList("input.down_block_additional_residuals");
            Tensor mid = f.tensor("input.mid_block_additional_residual");

            Tensor out = unet.forward(sample, t, new TextContext(text, f.tensor("input.lowlevel_encoder_hidden_states")),
                    down, mid);
            Golden.assertClose("sample", out, f.tensor("output.sample"), TOL);
            Tensor other = unet.forward(sample, t,
                    new TextContext(text, f.tensor("input.other.lowlevel_encoder_hidden_states")), down, mid);
            Golden.assertClose("other lowlevel prompt", other, f.tensor("output.other.sample"), TOL);
        }
    }

    private static Tensor timestep(GoldenFixture f) {
        Tensor t = f.tensor("input.timestep");
        return f.json("extra").get("timestep_is_0d").asBoolean() ? t.reshape() : t;
    }

    private static void assertAllClose(String what, List<Tensor> actual, List<Tensor> expected) {
        assertThat(actual).as(what + " count").hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            Golden.assertClose(what + " " + i, actual.get(i), expected.get(i), TOL);
        }
    }
}
