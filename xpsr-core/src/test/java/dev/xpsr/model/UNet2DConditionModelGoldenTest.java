package dev.xpsr.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.xpsr.golden.Golden;
import dev.xpsr.golden.GoldenFixture;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class UNet2DConditionModelGoldenTest {
    private static final double TOL = 1e-4;

    @ParameterizedTest
    @ValueSource(strings = {"unet_tiny", "sd21_unet_tiny"})
    void unetMatchesDiffusersOnEveryGoldenCase(String fixture) throws Exception {
        try (GoldenFixture f = GoldenFixture.open(fixture); AutoCloseable mode = dev.xpsr.torch.Torch.inferenceMode()) {
            UNet2DConditionModel unet = Golden.loadWeights(f, new UNet2DConditionModel(Golden.config(f)));
            Tensor sample = f.tensor("input.sample");
            Tensor context = f.tensor("input.encoder_hidden_states");
            JsonNode cases = f.json("extra").get("cases");
            assertThat(cases.size()).isPositive();
            for (JsonNode c : cases) {
                String name = c.get("name").asText();
                Tensor t = Golden.timestep(f, c);
                List<Tensor> down = null;
                Tensor mid = null;
                if (f.has("input." + name + ".mid_block_additional_residual")) {
                    down = f.tensorList("input." + name + ".down_block_additional_residuals");
                    mid = f.tensor("input." + name + ".mid_block_additional_residual");
                }
                Tensor out = unet.forward(sample, t, context, down, mid);
                Golden.assertClose(name, out, f.tensor("output." + name + ".sample"), TOL);
            }
        }
    }
}
