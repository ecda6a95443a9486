package dev.xpsr.metrics;

import dev.xpsr.golden.Golden;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.io.RgbImage;
import dev.xpsr.metrics.TorchvisionFeatures.Backbone;
import dev.xpsr.nn.WeightSource;
import dev.xpsr.torch.ImageTensors;
import dev.xpsr.torch.Placement;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** LPIPS (AlexNet, VGG) and DISTS with the reduced-width reference networks of the golden fixtures. */
class PerceptualGoldenTest {
    private static final Logger LOG = LoggerFactory.getLogger(PerceptualGoldenTest.class);
    private static final double TOL = 1e-6;

    static WeightSource weights(GoldenFixture f) {
        return WeightSource.of(f.file()).without("input.", "output.");
    }

    @Test
    void lpipsAlexMatchesTheReference() {
        checkLpips("lpips_alex_tiny", Backbone.ALEXNET);
    }

    @Test
    void lpipsVggMatchesTheReference() {
        checkLpips("lpips_vgg_tiny", Backbone.VGG16);
    }

    private static void checkLpips(String fixture, Backbone backbone) {
        try (GoldenFixture f = GoldenFixture.open(fixture)) {
            Lpips lpips = Lpips.load(backbone, List.of(weights(f)), Placement.CPU_FP32);
            Tensor img0 = f.tensor("input.img0");
            Tensor img1 = f.tensor("input.img1");
            Lpips.Result r = lpips.forward(img0, img1);
            double total = Golden.assertClose(fixture + " lpips", r.total(), f.tensor("output.lpips"), TOL);
            List<Tensor> perLayer = f.tensorList("output.per_layer");
            assertThat(r.perLayer()).as(fixture + " layers").hasSameSizeAs(perLayer);
            for (int k = 0; k < perLayer.size(); k++) {
                Golden.assertClose(fixture + " layer " + k, r.perLayer()[k], perLayer.get(k), TOL);
            }
            Golden.assertClose(fixture + " same image", lpips.forward(img0, img0).total(),
                    f.tensor("output.lpips_same_image"), TOL);
            double[] viaImages = lpips.scores(images(img0), images(img1));
            float[] want = Torch.toFloats(f.tensor("output.lpips"));
            for (int i = 0; i < want.length; i++) {
                // images are the fixture's u8/255 values, so the image path gives the same inputs
                assertThat(Math.abs(viaImages[i] - want[i])).as("image path " + i).isLessThanOrEqualTo(TOL);
            }
            LOG.info("{}: max abs diff {}", fixture, total);
        }
    }

    @Test
    void distsMatchesTheReference() {
        try (GoldenFixture f = GoldenFixture.open("dists_tiny")) {
            Dists dists = Dists.load(List.of(weights(f)), Placement.CPU_FP32);
            Tensor img0 = f.tensor("input.img0");
            Tensor img1 = f.tensor("input.img1");
            double d = Golden.assertClose("dists", dists.forward(img0, img1), f.tensor("output.dists"), TOL);
            Golden.assertClose("dists same image", dists.forward(img0, img0), f.tensor("output.dists_same_image"),
                    TOL);
            assertThat(Math.abs(dists.forward(img0, img1).mean().item_double()
                    - f.tensor("output.dists_batch_average").item_double())).isLessThanOrEqualTo(TOL);
            double[] viaImages = dists.scores(images(img0), images(img1));
            float[] want = Torch.toFloats(f.tensor("output.dists"));
            for (int i = 0; i < want.length; i++) {
                assertThat(Math.abs(viaImages[i] - want[i])).as("image path " + i).isLessThanOrEqualTo(TOL);
            }
            LOG.info("dists: max abs diff {}", d);
        }
    }

    /** The fixture's (B, 3, H, W) [0, 1] photo crops as 8-bit images (they are u8/255 values). */
    static List<RgbImage> images(Tensor batch) {
        List<RgbImage> out = new ArrayList<>();
        for (int i = 0; i < batch.size(0); i++) {
            out.add(ImageTensors.fromHwcTensor(Torch.mul(batch.select(0, i).permute(1, 2, 0), 255).round()));
        }
        return out;
    }
}
