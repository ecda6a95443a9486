package dev.xpsr.train;

import dev.xpsr.model.XpsrControlNetLayout;
import dev.xpsr.nn.FusionMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrainConfigTest {
    @TempDir
    Path dir;

    private static final String REQUIRED = """
            pretrained_model_name_or_path: sd15
            train_data_dir: data/trainset
            output_dir: runs/xpsr
            max_train_steps: 10
            """;

    @Test
    void yamlReadsTheOfficialStyleKeysWithDefaultsAndRelativePaths() throws Exception {
        Path file = dir.resolve("xpsr.yaml");
        Files.writeString(file, REQUIRED + """
                learning_rate: !!float 5e-5
                adam_weight_decay: 1e-2
                gradient_accumulation_steps: 2
                train_batch_size: 2
                mixed_precision: bf16
                trainable_modules: ["pixel_attentions"]
                """);
        TrainConfig c = TrainConfig.read(file);
        assertThat(c.learningRate()).isEqualTo(5e-5);
        assertThat(c.adamWeightDecay()).isEqualTo(1e-2);
        assertThat(c.samplesPerStep()).isEqualTo(4);
        assertThat(c.mixedPrecision()).isEqualTo("bf16");
        assertThat(c.trainableModules()).containsExactly("pixel_attentions");
        assertThat(c.outputDir()).isEqualTo(dir.resolve("runs/xpsr"));
        assertThat(c.originalImageRatio()).isEqualTo(0.1);
        assertThat(c.nullTextRatio()).isEqualTo(0.0);
        assertThat(c.dfcWeight()).isEqualTo(0.05);
        assertThat(c.highlevelPrompt()).isEqualTo(TrainConfig.CAPTION);
        assertThat(c.maxGradNorm()).isEqualTo(1.0);
    }

    @Test
    void jsonWorksToo() throws Exception {
        Path file = dir.resolve("train.json");
        Files.writeString(file, """
                {"pretrained_model_name_or_path": "sd", "train_data_dir": "d", "output_dir": "o",
                 "max_train_steps": 3, "highlevel_prompt_source": "empty"}
                """);
        assertThat(TrainConfig.read(file).highlevelPrompt()).isEqualTo(TrainConfig.EMPTY);
    }

    @Test
    void unknownKeyIsAnErrorNamingTheKey() throws Exception {
        Path file = dir.resolve("typo.yaml");
        Files.writeString(file, REQUIRED + "learning_rte: 1e-4\n");
        assertThatThrownBy(() -> TrainConfig.read(file)).isInstanceOf(TrainConfigException.class)
                .hasMessageContaining("unknown key 'learning_rte'").hasMessageContaining(file.toString());
    }

    @Test
    void badValuesNameTheKeyAndValue() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, REQUIRED + "train_batch_size: many\n");
        assertThatThrownBy(() -> TrainConfig.read(file)).hasMessageContaining("'train_batch_size'")
                .hasMessageContaining("many");
        Files.writeString(file, REQUIRED + "mixed_precision: fp8\n");
        assertThatThrownBy(() -> TrainConfig.read(file)).hasMessageContaining("'mixed_precision'")
                .hasMessageContaining("fp8");
        Files.writeString(file, "train_data_dir: d\noutput_dir: o\nmax_train_steps: 1\n");
        assertThatThrownBy(() -> TrainConfig.read(file))
                .hasMessageContaining("'pretrained_model_name_or_path' is required");
        Files.writeString(file, REQUIRED + "lr_scheduler: cosine\n");
        assertThatThrownBy(() -> TrainConfig.read(file)).hasMessageContaining("'lr_scheduler'");
    }

    @Test
    void ablationSwitchesDefaultToXpsrsTrainingAndAreReadFromTheirKeys() throws Exception {
        Path file = dir.resolve("ablation.yaml");
        Files.writeString(file, REQUIRED);
        TrainingSwitches xpsr = TrainConfig.read(file).switches();
        assertThat(xpsr).isEqualTo(TrainingSwitches.xpsr(0.05));
        assertThat(xpsr.layout()).isEqualTo(XpsrControlNetLayout.XPSR);
        Files.writeString(file, REQUIRED + """
                fusion: serial
                dfc_weight: 0.1
                dfc_pixel: false
                dfc_latent_weight: 0.02
                lowlevel_prompt_source: none
                negative_sample_ratio: 0.25
                negative_prompt: "blurry"
                """);
        TrainingSwitches s = TrainConfig.read(file).switches();
        assertThat(s.layout()).isEqualTo(new XpsrControlNetLayout(FusionMode.SERIAL,
                false, true));
        assertThat(s.pixelDfcWeight()).as("dfc_weight is the default of both groups").isEqualTo(0.1);
        assertThat(s.latentDfcWeight()).isEqualTo(0.02);
        assertThat(s.usesLowlevelContext()).isFalse();
        assertThat(s.negativeSampleRatio()).isEqualTo(0.25);
        assertThat(s.negativePrompt()).isEqualTo("blurry");
        assertThat(s.lowlevelNegativePrompt()).isEqualTo("high resolution, best quality, clear");
    }

    @Test
    void badSwitchValuesNameTheKeyTheValueAndTheChoices() throws Exception {
        Path file = dir.resolve("bad-switch.yaml");
        Files.writeString(file, REQUIRED + "fusion: sideways\n");
        assertThatThrownBy(() -> TrainConfig.read(file)).isInstanceOf(TrainConfigException.class)
                .hasMessageContaining("'fusion'").hasMessageContaining("sideways")
                .hasMessageContaining("[parallel, serial, high, low]");
        Files.writeString(file, REQUIRED + "dfc_latent: maybe\n");
        assertThatThrownBy(() -> TrainConfig.read(file)).hasMessageContaining("'dfc_latent'")
                .hasMessageContaining("true or false").hasMessageContaining("maybe");
        Files.writeString(file, REQUIRED + "negative_sample_ratio: 2\n");
        assertThatThrownBy(() -> TrainConfig.read(file)).hasMessageContaining("'negative_sample_ratio'")
                .hasMessageContaining("[0, 1]");
        Files.writeString(file, REQUIRED + "lowlevel_prompt_source: analyser\n");
        assertThatThrownBy(() -> TrainConfig.read(file)).hasMessageContaining("[caption, empty, none]");
    }
}
