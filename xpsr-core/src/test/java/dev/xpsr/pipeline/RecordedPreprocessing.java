package dev.xpsr.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.golden.ImageCompare;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The preprocessing stages the pipeline fixture ({@code xpsr_pipeline_tiny}) recorded, checked against this
 * port's: the ×4 resize and the control image always run; torchvision's shorter-side resize only when the ×4 image
 * is smaller than {@code process_size}, which {@code extra.sizes.resize_branch_taken} says. A stage that did not run
 * has no stored image, and this port must not have run it either.
 */
final class RecordedPreprocessing {
    static final String UP_X4 = "output.preprocess.up_x4_u8";
    static final String SHORTER_SIDE = "output.preprocess.torchvision_resize_u8";
    static final String CONTROL = "input.control_image_u8";

    private RecordedPreprocessing() {
    }

    /** Asserts that {@code prepared} ran exactly the stages the fixture ran and reproduced each one's image. */
    static void assertMatches(GoldenFixture f, Preprocess.Prepared prepared) {
        JsonNode sizes = f.json("extra").required("sizes");
        boolean shorterSideRan = sizes.required("resize_branch_taken").asBoolean();
        ImageCompare.assertExact("up_x4", prepared.upscaled(), f.tensor(UP_X4));
        assertThat(f.has(SHORTER_SIDE)).as(SHORTER_SIDE + " stored (resize_branch_taken " + shorterSideRan + ")")
                .isEqualTo(shorterSideRan);
        assertThat(prepared.shorterSideResized() != null).as("shorter-side resize run here").isEqualTo(shorterSideRan);
        if (shorterSideRan) {
            ImageCompare.assertExact("torchvision_resize", prepared.shorterSideResized(), f.tensor(SHORTER_SIDE));
        }
        ImageCompare.assertExact("control image", prepared.controlImage(), f.tensor(CONTROL));
        JsonNode controlHw = sizes.required("control_hw");
        assertThat(new int[] {prepared.controlImage().height(), prepared.controlImage().width()})
                .as("extra.sizes.control_hw").containsExactly(controlHw.get(0).asInt(), controlHw.get(1).asInt());
    }
}
