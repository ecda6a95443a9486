package dev.xpsr.train;

import dev.xpsr.testing.RestoresThreadCount;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Placement;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** bf16 autocast on the CPU; fp16 refused off CUDA. */
@ExtendWith(RestoresThreadCount.class)
class MixedPrecisionTest {
    @TempDir
    static Path tmp;
    static TrainingFixtures.Setup setup;

    @BeforeAll
    static void setUp() throws Exception {
        NativeStartup.ensureStarted(1);
        setup = TrainingFixtures.create(tmp.resolve("fixture"));
    }

    @Test
    void bf16TrainsWithLowPrecisionFrozenNetsAndFloat32TrainableWeights() throws Exception {
        TrainConfig config = setup.config(tmp.resolve("bf16"), Map.of("mixed_precision", "bf16", "max_train_steps", 2));
        Trainer.Summary run = new Trainer(config, 1, Trainer.Listener.NONE).run(false);
        assertThat(run.rows()).hasSize(2);
        run.rows().forEach(r -> r.terms().values().forEach(v -> assertThat(v).isFinite()));
        assertThat(run.rows().get(0).gradNorm()).isPositive();

        TrainingModels models = TrainingModels.load(config, run.lastCheckpoint());
        assertThat(models.vae.encoder.conv_in.weight.scalar_type().intern()).isEqualTo(ScalarType.BFloat16);
        assertThat(models.trainable().values()).allMatch(t -> t.scalar_type().intern() == ScalarType.Float);
    }

    @Test
    void autocastGuardRunsMatmulsInBf16UntilClosed() throws Exception {
        Tensor x = Torch.ones(2, 3);
        Tensor w = Torch.ones(4, 3);
        try (AutoCloseable guard = Torch.autocast(Placement.CPU_FP32, ScalarType.BFloat16)) {
            assertThat(Torch.linear(x, w, null).scalar_type().intern()).isEqualTo(ScalarType.BFloat16);
        }
        assertThat(Torch.linear(x, w, null).scalar_type().intern()).isEqualTo(ScalarType.Float);
    }

    @Test
    void fp16IsRefusedOnTheCpu() {
        TrainConfig config = setup.config(tmp.resolve("fp16"), Map.of("mixed_precision", "fp16"));
        assertThatThrownBy(() -> new Trainer(config, 1, Trainer.Listener.NONE).run(false))
                .isInstanceOf(TrainConfigException.class).hasMessageContaining("'mixed_precision'");
    }
}
