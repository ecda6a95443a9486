package dev.xpsr.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.xpsr.golden.Golden;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ControlNetModelGoldenTest {
    private static final double TOL = 1e-4;

    @Test
    void controlNetMatchesDiffusersResidualsOnEveryGoldenCase() throws Exception {
        try (GoldenFixture f = GoldenFixture.open("controlnet_tiny"); AutoCloseable mode = Torch.inferenceMode()) {
            ControlNetModel net = Golden.loadWeights(f, new ControlNetModel(Golden.config(f)));
            Tensor sample = f.tensor("input.sample");
            Tensor context = f.tensor("input.encoder_hidden_states");
            Tensor cond = f.tensor("input.controlnet_cond");
            JsonNode cases = f.json("extra").get("cases");
            assertThat(cases.size()).isPositive();
            for (JsonNode c : cases) {
                String name = c.get("name").asText();
                assertThat(c.path("guess_mode").asBoolean(false)).as("guess_mode").isFalse();
                Tensor t = Golden.timestep(f, c);
                ControlNetModel.Output out = net.forward(sample, t, context, cond, c.get("conditioning_scale").asDouble());
                List<Tensor> expected = f.tensorList("output." + name + ".down_block_res_samples");
                assertThat(out.down()).hasSameSizeAs(expected);
                for (int i = 0; i < expected.size(); i++) {
                    Golden.assertClose(name + " down " + i, out.down().get(i), expected.get(i), TOL);
                }
                Golden.assertClose(name + " mid", out.mid(), f.tensor("output." + name + ".mid_block_res_sample"), TOL);
            }
        }
    }
}
