package dev.xpsr.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.xpsr.golden.Golden;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.io.DType;
import dev.xpsr.io.JsonConfig;
import dev.xpsr.io.ModelConfigException;
import dev.xpsr.nn.FusionMode;
import dev.xpsr.torch.Torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A ControlNet's fusion mode and heads survive saving and loading, and a config that lies about them is named. */
class XpsrControlNetLayoutTest {
    @TempDir
    static Path tmp;
    static UNet2DConditionModel sd;

    @BeforeAll
    static void loadSd() throws Exception {
        try (GoldenFixture f = GoldenFixture.open("unet_tiny")) {
            sd = Golden.loadWeights(f, new UNet2DConditionModel(Golden.config(f)));
        }
    }

    private static Path save(XpsrControlNetLayout layout, String name) throws Exception {
        XpsrControlNetModel net = XpsrInitialization.controlNetFromUnet(sd, layout, Torch.generator(3));
        Path dir = tmp.resolve(name);
        Pretrained.save(net, net.config.raw(), dir, "diffusion_pytorch_model", null, DType.F32);
        return dir;
    }

    @Test
    void everyLayoutIsSavedLoadedAndReportedAsBuilt() throws Exception {
        for (FusionMode fusion : FusionMode.values()) {
            for (boolean pixel : new boolean[] {true, false}) {
                for (boolean latent : new boolean[] {true, false}) {
                    XpsrControlNetLayout layout = new XpsrControlNetLayout(fusion, pixel, latent);
                    Path dir = save(layout, fusion.id() + pixel + latent);
                    assertThat(Pretrained.xpsrControlNetLayout(dir, null)).isEqualTo(layout);
                    XpsrControlNetModel loaded = Pretrained.xpsrControlNet(dir, null);
                    assertThat(loaded.layout()).isEqualTo(layout);
                    assertThat(loaded.conv_degradation != null).isEqualTo(latent);
                    assertThat(((XpsrConditioningEmbedding) loaded.controlnet_cond_embedding).to_rgbs != null)
                            .isEqualTo(pixel);
                }
            }
        }
    }

    @Test
    void networksWithoutHeadsHaveNoHeadWeightsSoTheirCheckpointIsSmaller() throws Exception {
        long full = Files.size(save(XpsrControlNetLayout.XPSR, "full").resolve("diffusion_pytorch_model.safetensors"));
        Path bare = save(new XpsrControlNetLayout(FusionMode.PARALLEL, false, false), "bare");
        long headless = Files.size(bare.resolve("diffusion_pytorch_model.safetensors"));
        assertThat(headless).isLessThan(full);
        assertThat(Pretrained.xpsrControlNet(bare, null).namedParameters().keySet())
                .noneMatch(k -> k.startsWith("conv_degradation") || k.contains("to_rgbs"));
    }

    @Test
    void aConfigClaimingAnotherFusionThanItsWeightsIsNamedWithTheKeyToFix() throws Exception {
        Path dir = save(new XpsrControlNetLayout(FusionMode.SERIAL, true, true), "serial");
        rewriteConfig(dir, "xpsr_fusion", "parallel");
        assertThatThrownBy(() -> Pretrained.xpsrControlNet(dir, null)).isInstanceOf(ModelConfigException.class)
                .hasMessageContaining(dir.resolve("config.json").toString())
                .hasMessageContaining("key 'xpsr_fusion' gives fusion parallel")
                .hasMessageContaining("set 'xpsr_fusion' to serial");
        assertThatThrownBy(() -> Pretrained.xpsrControlNetLayout(dir, null))
                .isInstanceOf(ModelConfigException.class).hasMessageContaining("fusion serial");
    }

    @Test
    void aConfigClaimingHeadsItsWeightsLackIsNamedWithTheKeyToFix() throws Exception {
        Path dir = save(new XpsrControlNetLayout(FusionMode.PARALLEL, false, true), "nopixel");
        rewriteConfig(dir, "return_rgbs", true);
        assertThatThrownBy(() -> Pretrained.xpsrControlNet(dir, null)).isInstanceOf(ModelConfigException.class)
                .hasMessageContaining("key 'return_rgbs' is true, but the weights hold no "
                        + "controlnet_cond_embedding.to_rgbs.*; set it to false");
    }

    @Test
    void highAndLowHoldTheSameStacksSoTheirWeightsFitEitherConfig() {
        Set<String> plain = Set.of("down_blocks.0.attentions.0.proj_in.weight");
        assertThat(XpsrControlNetLayout.fusionsHeldBy(plain))
                .containsExactlyInAnyOrder(FusionMode.HIGH, FusionMode.LOW);
        assertThat(XpsrControlNetLayout.fusionsHeldBy(Set.of("mid_block.attentions_lowlevel.0.norm.weight")))
                .containsExactly(FusionMode.SERIAL);
        assertThat(XpsrControlNetLayout.fusionsHeldBy(Set.of("mid_block.attentions_lowlevel.0.norm.weight",
                "mid_block.attentions_connect.0.norm.weight"))).containsExactly(FusionMode.PARALLEL);
    }

    @Test
    void withoutTheProjectKeyTheFusionFollowsXpsrsLowlevelFlag() {
        JsonConfig released = JsonConfig.parse("{\"use_lowlevel_prompt\": true}", "released");
        JsonConfig noLowlevel = JsonConfig.parse("{\"use_lowlevel_prompt\": false}", "plain");
        assertThat(XpsrControlNetLayout.of(released)).isEqualTo(XpsrControlNetLayout.XPSR);
        assertThat(XpsrControlNetLayout.of(noLowlevel).fusion()).isEqualTo(FusionMode.HIGH);
        assertThat(XpsrControlNetLayout.XPSR.describe()).isEqualTo("fusion parallel, pixel and latent DFC heads");
    }

    private static void rewriteConfig(Path dir, String key, Object value) throws Exception {
        JsonConfig config = JsonConfig.read(dir.resolve("config.json"));
        ObjectNode node = config.node();
        if (value instanceof Boolean b) {
            node.put(key, b);
        } else {
            node.put(key, value.toString());
        }
        Files.writeString(dir.resolve("config.json"), node.toPrettyString());
    }
}
