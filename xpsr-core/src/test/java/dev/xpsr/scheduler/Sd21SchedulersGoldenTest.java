package dev.xpsr.scheduler;

import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SD-2.1's scheduler config ({@code prediction_type="v_prediction"}) in every scheduler, against diffusers 0.21.4
 * ({@code sd21_schedulers.safetensors}): each recorded loop of v-predictions ({@link SchedulerLoops}: x̂₀ and, in
 * DDIM, ε recovered from v), the schedule table, and {@code get_velocity} / {@code add_noise}, the training target
 * and input. Cases, step counts and timesteps come from the fixture.
 */
class Sd21SchedulersGoldenTest {
    private static final String FIXTURE = "sd21_schedulers";
    /** get_velocity and add_noise: one float32 product and sum per element. */
    private static final double VELOCITY_TOL = 1e-6;
    private static GoldenFixture fx;
    private static SchedulerLoops loops;

    @BeforeAll
    static void open() {
        fx = GoldenFixture.open(FIXTURE);
        loops = new SchedulerLoops(fx);
    }

    @AfterAll
    static void report() {
        loops.report();
        fx.close();
    }

    static List<String> loopCases() {
        try (GoldenFixture f = GoldenFixture.open(FIXTURE)) {
            return new SchedulerLoops(f).loopCases();
        }
    }

    @ParameterizedTest
    @MethodSource("loopCases")
    void everySchedulerStepsOnVPredictionsAsDiffusers(String name) {
        assertThat(loops.caseConfig(name).predictionType()).as(name + " prediction_type")
                .isEqualTo(SchedulerConfig.fromJson(fx.json("config")).predictionType());
        loops.checkLoop(name);
    }

    @ParameterizedTest
    @MethodSource("loopCases")
    void everySchedulerHasTheScheduleBitForBit(String name) {
        Scheduler s = Schedulers.create(SchedulerLoops.kindOf(name), loops.caseConfig(name));
        assertThat(Torch.toFloats(s.alphasCumprod()))
                .containsExactly(Torch.toFloats(fx.tensor("output.alphas_cumprod")));
    }

    @Test
    void velocityAndNoisedSampleMatchDiffusersPerTimestep() {
        DDPMScheduler s = new DDPMScheduler(SchedulerConfig.fromJson(fx.json("config")));
        Tensor sample = fx.tensor("input.velocity.sample");
        Tensor noise = fx.tensor("input.velocity.noise");
        long[] timesteps = SchedulerLoops.toLongs(fx.tensor("input.velocity.timesteps"));
        for (int i = 0; i < timesteps.length; i++) {
            Tensor x = sample.narrow(0, i, 1);
            Tensor eps = noise.narrow(0, i, 1);
            loops.assertClose("get_velocity t=" + timesteps[i], s.getVelocity(x, eps, timesteps[i]),
                    fx.tensor("output.velocity.velocity").narrow(0, i, 1), VELOCITY_TOL);
            loops.assertClose("add_noise t=" + timesteps[i], s.addNoise(x, eps, timesteps[i]),
                    fx.tensor("output.velocity.noisy_sample").narrow(0, i, 1), VELOCITY_TOL);
        }
    }

    /** XPSR's test.py and train.py load the base model's scheduler folder into DDPM; v_prediction must survive. */
    @Test
    void aSchedulerFolderKeepsItsPredictionTypeInEveryKind(@TempDir Path dir) throws IOException {
        Path folder = Files.createDirectories(dir.resolve("scheduler"));
        Files.writeString(folder.resolve(Schedulers.CONFIG_FILE), fx.metadata("config"));
        String expected = SchedulerConfig.fromJson(fx.json("config")).predictionType();
        for (String name : loopCases()) {
            Scheduler s = Schedulers.fromFolder(folder, SchedulerLoops.kindOf(name));
            assertThat(s.config().predictionType()).as(name).isEqualTo(expected);
            s.setTimesteps(loops.extra(name).get("num_inference_steps").intValue());
            assertThat(s.timesteps()).as(name + " timesteps with the class's default spacing")
                    .containsExactly(SchedulerLoops.longs(loops.extra(name).get("timesteps")));
        }
    }
}
