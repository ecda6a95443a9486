package dev.xpsr.pipeline;

import dev.xpsr.golden.Golden;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TileWeightsGoldenTest {

    @Test
    void gaussianWeightsMatchPipelineIncludingAsymmetricMidpoints() {
        try (GoldenFixture f = GoldenFixture.open("colorfix")) {
            Tensor expected = f.tensor("output.pipeline.gaussian_weights");
            long[] s = Torch.shape(expected);
            Tensor w = TileWeights.gaussian((int) s[3], (int) s[2], (int) s[0], (int) s[1]);
            Golden.assertClose("gaussian_weights", w, expected, 1e-6);
        }
    }

    @Test
    void xIsSymmetricButYIsShiftedByHalfAPixel() {
        float[] w = Torch.toFloats(TileWeights.gaussian(6, 6, 1, 1));
        // x midpoint (w-1)/2: columns 0 and 5 weigh the same; y midpoint h/2: row 0 weighs less than row 5
        assertThat(w[0]).isEqualTo(w[5]);
        assertThat(w[0]).isLessThan(w[5 * 6]);
    }
}
