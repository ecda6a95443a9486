package dev.xpsr.model;

import dev.xpsr.golden.Golden;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ClipTextModelGoldenTest {
    private static final double TOL = 1e-4;

    @ParameterizedTest
    @ValueSource(strings = {"clip_text_tiny", "sd21_clip_text_tiny"})
    void clipTextEncoderMatchesTransformersHiddenStatesAndPooling(String fixture) throws Exception {
        try (GoldenFixture f = GoldenFixture.open(fixture); AutoCloseable mode = Torch.inferenceMode()) {
            ClipTextModel clip = Golden.loadWeights(f, new ClipTextModel(Golden.config(f)),
                    ClipTextModel.IGNORED_KEYS.toArray(String[]::new));
            ClipTextModel.Output out = clip.forwardAll(f.tensor("input.input_ids"));
            Golden.assertClose("last_hidden_state", out.lastHiddenState(), f.tensor("output.last_hidden_state"), TOL);
            List<Tensor> expected = f.tensorList("output.hidden_states");
            assertThat(out.hiddenStates()).hasSameSizeAs(expected);
            for (int i = 0; i < expected.size(); i++) {
                Golden.assertClose("hidden_states." + i, out.hiddenStates().get(i), expected.get(i), TOL);
            }
            Golden.assertClose("pooler_output", out.pooled(), f.tensor("output.pooler_output"), TOL);
        }
    }
}
