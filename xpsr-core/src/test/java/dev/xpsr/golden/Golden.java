package dev.xpsr.golden;

import com.fasterxml.jackson.databind.JsonNode;
import dev.xpsr.io.JsonConfig;
import dev.xpsr.nn.Module;
import dev.xpsr.nn.WeightLoader;
import dev.xpsr.nn.WeightSource;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Shared steps of the golden tests: build from the stored config, load the stored weights, compare outputs. */
public final class Golden {
    private Golden() {
    }

    /** The fixture's model config ({@code __metadata__.config}). */
    public static JsonConfig config(GoldenFixture f) {
        return JsonConfig.parse(f.metadata("config"), f.file().path() + "#config");
    }

    /** Loads the fixture's weights (every key but {@code input.*} / {@code output.*}) into {@code model}. */
    public static <M extends Module> M loadWeights(GoldenFixture f, M model, String... ignored) {
        WeightLoader.load(model, WeightSource.of(f.file()).without("input.", "output."), Set.of(ignored));
        return model;
    }

    /**
     * The timestep of one of the fixture's {@code extra.cases}: {@code input.<name>.timestep}, 0-d where the
     * reference passed a 0-d tensor ({@code timestep_is_0d}).
     */
    public static Tensor timestep(GoldenFixture f, JsonNode c) {
        Tensor t = f.tensor("input." + c.required("name").asText() + ".timestep");
        return c.required("timestep_is_0d").asBoolean() ? t.reshape() : t;
    }

    /** The first of the fixture's {@code extra.cases} that feeds no ControlNet residuals. */
    public static JsonNode firstCaseWithoutResiduals(GoldenFixture f) {
        for (JsonNode c : f.json("extra").required("cases")) {
            if (!f.has("input." + c.required("name").asText() + ".mid_block_additional_residual")) {
                return c;
            }
        }
        throw new AssertionError(f.file().path() + ": every case of extra.cases feeds ControlNet residuals");
    }

    /** Asserts equal shapes and max |actual − expected| ≤ tol, naming what was compared. */
    public static double assertClose(String what, Tensor actual, Tensor expected, double tol) {
        assertThat(Torch.shape(actual)).as(what + " shape").isEqualTo(Torch.shape(expected));
        double diff = Torch.maxAbsDiff(actual, expected);
        assertThat(diff).as(what + " max abs diff (shape " + Arrays.toString(Torch.shape(actual)) + ")")
                .isLessThanOrEqualTo(tol);
        return diff;
    }
}
