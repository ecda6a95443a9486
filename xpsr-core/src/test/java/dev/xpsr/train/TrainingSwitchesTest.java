package dev.xpsr.train;

import dev.xpsr.model.XpsrControlNetLayout;
import dev.xpsr.nn.FusionMode;
import dev.xpsr.nn.Init;
import dev.xpsr.pipeline.XpsrPrompts;
import dev.xpsr.testing.RestoresThreadCount;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The training switches of the ablations on the tiny XPSR built from SD-1.5 (and from SD-2.x): which networks are
 * built, which loss terms exist and with which λ, where gradients flow, and what a negative sample trains.
 */
@ExtendWith(RestoresThreadCount.class)
class TrainingSwitchesTest {
    @TempDir
    static Path tmp;
    static TrainingFixtures.Setup setup;
    static TrainingFixtures.Setup sd2;

    @BeforeAll
    static void setUp() throws Exception {
        NativeStartup.ensureStarted(1);
        setup = TrainingFixtures.create(tmp.resolve("fixture"));
        TrainingFixtures.writeSdUnet(setup.models(), 12);
        sd2 = TrainingFixtures.createSd21(tmp.resolve("sd2"));
        TrainingFixtures.writeSdUnet(sd2.models(), 12);
    }

    /** A config that builds the networks from SD-1.5 (no XPSR checkpoint) with the given keys. */
    private static TrainConfig fromSd(Map<String, Object> keys) {
        return fromSd(setup, keys);
    }

    /** A config that builds the networks from the base model of {@code base} with the given keys. */
    private static TrainConfig fromSd(TrainingFixtures.Setup base, Map<String, Object> keys) {
        Map<String, Object> m = new HashMap<>(keys);
        m.put("xpsr_model_path", null);
        return base.config(tmp.resolve("unused"), m);
    }

    /**
     * The losses of the first two pairs with fixed draws, and the ControlNet's gradients after backward. The zero
     * convolutions get random weights first: at their zero start no gradient reaches the blocks behind them.
     */
    private static Map<String, Double> lossAndBackward(TrainingModels models, TrainConfig config) throws Exception {
        Init.pytorchDefaults(models.controlNet.controlnet_down_blocks, Torch.generator(1));
        Init.pytorchDefaults(models.controlNet.controlnet_mid_block, Torch.generator(2));
        PairedDataset data = PairedDataset.scan(config.trainDataDir());
        TrainingStep step = new TrainingStep(models, config.switches());
        try (PointerScope scope = new PointerScope()) {
            TrainingStep.Batch batch = TrainingStep.Batch.of(List.of(data.load(0, 1, config), data.load(1, 2, config)));
            Tensor latents = step.meanLatents(batch);
            LossTerms terms = step.forward(batch, latents, Torch.randn(Torch.generator(5), Torch.shape(latents)),
                    new long[] {250, 600});
            terms.total().backward();
            return terms.values();
        }
    }

    private static boolean hasGradient(TrainingModels models, String keyPart) {
        return models.controlNet.namedParameters().entrySet().stream().filter(e -> e.getKey().contains(keyPart))
                .anyMatch(e -> e.getValue().grad().defined() && Torch.toFloats(e.getValue().grad().abs().sum())[0] > 0);
    }

    @Test
    void eachHeadGroupIsBuiltTrainedAndInTheLossOnlyWhenSwitchedOn() throws Exception {
        for (boolean pixel : new boolean[] {true, false}) {
            for (boolean latent : new boolean[] {true, false}) {
                TrainConfig config = fromSd(Map.of("dfc_pixel", pixel, "dfc_latent", latent));
                TrainingModels models = TrainingModels.load(config, null);
                assertThat(models.controlNet.layout()).isEqualTo(new XpsrControlNetLayout(FusionMode.PARALLEL,
                        pixel, latent));
                Map<String, Double> terms = lossAndBackward(models, config);
                String what = "pixel " + pixel + ", latent " + latent;
                assertThat(terms.keySet().stream().filter(k -> k.startsWith("dfc_rgb_"))).as(what)
                        .hasSize(pixel ? 3 : 0);
                assertThat(terms.keySet().stream().filter(k -> k.startsWith("dfc_latent_"))).as(what)
                        .hasSize(latent ? 13 : 0);
                assertThat(terms).containsKeys(LossTerms.LOSS, LossTerms.MSE, LossTerms.DFC);
                assertThat(models.trainable().keySet().stream().anyMatch(k -> k.contains("to_rgbs"))).isEqualTo(pixel);
                assertThat(hasGradient(models, "to_rgbs")).as(what).isEqualTo(pixel);
                assertThat(hasGradient(models, "conv_degradation")).as(what).isEqualTo(latent);
                if (!pixel && !latent) {
                    assertThat(terms.get(LossTerms.DFC)).isZero();
                    assertThat(terms.get(LossTerms.LOSS)).isEqualTo(terms.get(LossTerms.MSE));
                }
            }
        }
    }

    @Test
    void thePixelAndTheLatentTermsEachCarryTheirOwnLambda() throws Exception {
        TrainConfig config = fromSd(Map.of("dfc_pixel_weight", 0.2, "dfc_latent_weight", 0.01));
        Map<String, Double> terms = lossAndBackward(TrainingModels.load(config, null), config);
        double pixel = terms.entrySet().stream().filter(e -> e.getKey().startsWith("dfc_rgb_"))
                .mapToDouble(Map.Entry::getValue).sum();
        double latent = terms.entrySet().stream().filter(e -> e.getKey().startsWith("dfc_latent_"))
                .mapToDouble(Map.Entry::getValue).sum();
        assertThat(pixel).isPositive();
        assertThat(latent).isPositive();
        assertThat(terms.get(LossTerms.DFC)).isCloseTo(0.2 * pixel + 0.01 * latent, org.assertj.core.data.Offset
                .offset(1e-6));
    }

    @Test
    void everyFusionModeIsBuiltFromSd15AndBackPropagatesIntoItsOwnStacks() throws Exception {
        for (FusionMode fusion : FusionMode.values()) {
            TrainConfig config = fromSd(Map.of("fusion", fusion.id()));
            TrainingModels models = TrainingModels.load(config, null);
            assertThat(models.controlNet.layout().fusion()).isEqualTo(fusion);
            assertThat(models.controlNet.config.raw().string("xpsr_fusion")).isEqualTo(fusion.id());
            lossAndBackward(models, config);
            assertThat(hasGradient(models, "attentions_lowlevel")).as(fusion.id()).isEqualTo(fusion.hasLowlevelStack());
            assertThat(hasGradient(models, "attentions_connect")).as(fusion.id()).isEqualTo(fusion.hasConnectStack());
            assertThat(hasGradient(models, "down_blocks.0.attentions.0.")).as(fusion.id()).isTrue();
        }
    }

    /**
     * From an SD-2.x base (linear projections, per-block heads, upcast attention, v-prediction) each fusion mode is
     * built with one of the four head-group combinations, trains against the velocity with exactly the switched-on
     * DFC terms and back-propagates into its own stacks; without a low-level context the fusion stacks get nothing.
     */
    @Test
    void theSwitchesBuildAndTrainFromAnSd2BaseModel() throws Exception {
        for (FusionMode fusion : FusionMode.values()) {
            boolean pixel = fusion.ordinal() % 2 == 0;
            boolean latent = fusion.ordinal() / 2 % 2 == 0;
            TrainConfig config = fromSd(sd2, Map.of("fusion", fusion.id(), "dfc_pixel", pixel, "dfc_latent", latent));
            TrainingModels models = TrainingModels.load(config, null);
            String what = fusion.id() + ", pixel " + pixel + ", latent " + latent;
            assertThat(models.schedulerConfig.predictionType()).isEqualTo("v_prediction");
            assertThat(models.controlNet.config.raw().bool("use_linear_projection", false)).as(what).isTrue();
            assertThat(models.controlNet.layout()).isEqualTo(new XpsrControlNetLayout(fusion, pixel, latent));
            Map<String, Double> terms = lossAndBackward(models, config);
            assertThat(terms.keySet().stream().filter(k -> k.startsWith("dfc_rgb_"))).as(what).hasSize(pixel ? 3 : 0);
            assertThat(terms.keySet().stream().filter(k -> k.startsWith("dfc_latent_"))).as(what)
                    .hasSize(latent ? 13 : 0);
            assertThat(hasGradient(models, "attentions_lowlevel")).as(what).isEqualTo(fusion.hasLowlevelStack());
            assertThat(hasGradient(models, "attentions_connect")).as(what).isEqualTo(fusion.hasConnectStack());
            assertThat(hasGradient(models, "down_blocks.0.attentions.0.")).as(what).isTrue();
        }
        TrainConfig none = fromSd(sd2, Map.of("lowlevel_prompt_source", "none"));
        TrainingModels models = TrainingModels.load(none, null);
        lossAndBackward(models, none);
        assertThat(hasGradient(models, "attentions_lowlevel")).isFalse();
        assertThat(hasGradient(models, "attentions_connect")).isFalse();
    }

    @Test
    void withoutALowlevelContextTheFusionStacksReceiveNoGradient() throws Exception {
        TrainConfig none = fromSd(Map.of("lowlevel_prompt_source", "none"));
        TrainingModels models = TrainingModels.load(none, null);
        lossAndBackward(models, none);
        assertThat(hasGradient(models, "attentions_lowlevel")).isFalse();
        assertThat(hasGradient(models, "attentions_connect")).isFalse();
        TrainConfig empty = fromSd(Map.of("lowlevel_prompt_source", "empty"));
        PairedDataset data = PairedDataset.scan(empty.trainDataDir());
        assertThat(data.load(0, 1, empty).lowlevel()).isEmpty();
        TrainingModels withEmpty = TrainingModels.load(empty, null);
        lossAndBackward(withEmpty, empty);
        assertThat(hasGradient(withEmpty, "attentions_lowlevel")).as("an empty text is still a context").isTrue();
    }

    @Test
    void aNegativeSampleDiffusesItsDegradedImageUnderTheNegativePromptsAndKeepsTheHrDfcTargets() throws Exception {
        TrainConfig config = fromSd(Map.of("negative_sample_ratio", 1.0, "original_image_ratio", 1.0));
        PairedDataset data = PairedDataset.scan(config.trainDataDir());
        TrainingSample sample = data.load(0, 1, config);
        assertThat(sample.negative()).isTrue();
        assertThat(sample.highlevel()).isEqualTo(XpsrPrompts.NEGATIVE_PROMPT);
        assertThat(sample.lowlevel()).isEqualTo(XpsrPrompts.LOWLEVEL_NEGATIVE_PROMPT);
        Tensor controlAsPixels = Torch.add(Torch.mul(sample.conditioning(), 2.0), -1.0);
        assertThat(Torch.maxAbsDiff(controlAsPixels, sample.pixelValues())).as("the control image stays the LR")
                .isPositive();

        TrainingModels models = TrainingModels.load(config, null);
        TrainingStep step = new TrainingStep(models, config.switches());
        TrainingStep.Batch negative = TrainingStep.Batch.of(List.of(sample));
        TrainingStep.Batch positive = new TrainingStep.Batch(negative.pixelValues(), negative.conditioning(),
                negative.highlevel(), negative.lowlevel());
        try (AutoCloseable g = Torch.noGrad()) {
            Map<String, Double> neg = step.forward(negative, Torch.generator(9)).values();
            Map<String, Double> pos = step.forward(positive, Torch.generator(9)).values();
            assertThat(neg.get("dfc_rgb_0")).as("pixel DFC: same LR in, same HR target")
                    .isEqualTo(pos.get("dfc_rgb_0"));
            assertThat(neg.get(LossTerms.MSE)).isNotEqualTo(pos.get(LossTerms.MSE));
        }
    }

    @Test
    void aCheckpointOfAnotherLayoutIsRefusedNamingTheKeys() {
        TrainConfig serial = setup.config(tmp.resolve("unused"), Map.of("fusion", "serial"));
        assertThatThrownBy(() -> TrainingModels.load(serial, serial.xpsrModel()))
                .isInstanceOf(TrainConfigException.class)
                .hasMessageContaining("fusion parallel, pixel and latent DFC heads")
                .hasMessageContaining("ask for fusion serial").hasMessageContaining("dfc_latent");
    }
}
