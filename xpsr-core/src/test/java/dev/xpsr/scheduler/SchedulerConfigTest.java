package dev.xpsr.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.xpsr.torch.NativeStartup;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Parsing of {@code scheduler_config.json} and rejection of invalid values with messages that say what to fix. */
class SchedulerConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() {
        NativeStartup.ensureStarted(2);
    }

    private static JsonNode json(String text) throws IOException {
        return JSON.readTree(text);
    }

    @Test
    void missingKeysTakeTheClassDefaults() throws IOException {
        SchedulerConfig c = SchedulerConfig.fromJson(json("{}"));
        assertThat(c.numTrainTimesteps()).isEqualTo(1000);
        assertThat(c.betaSchedule()).isEqualTo("linear");
        assertThat(c.clipSample()).isTrue();
        assertThat(c.timestepSpacing()).isEmpty();
        Scheduler ddpm = Schedulers.create("ddpm", c);
        ddpm.setTimesteps(10);
        // DDPM's default is "leading" without offset
        assertThat(ddpm.timesteps()).containsExactly(900, 800, 700, 600, 500, 400, 300, 200, 100, 0);
        Scheduler unipc = Schedulers.create("unipc", c);
        unipc.setTimesteps(10);
        // UniPC's default is "linspace": np.linspace(0, 999, 11).round()[::-1][:-1]
        assertThat(unipc.timesteps()).containsExactly(999, 899, 799, 699, 599, 500, 400, 300, 200, 100);
    }

    @Test
    void unknownKeysAndNullsAreIgnoredLikeDiffusers() throws IOException {
        SchedulerConfig c = SchedulerConfig.fromJson(json("{\"_class_name\": \"PNDMScheduler\", \"skip_prk_steps\":"
                + " true, \"_diffusers_version\": \"0.6.0\", \"trained_betas\": null, \"steps_offset\": 1}"));
        assertThat(c.className()).contains("PNDMScheduler");
        assertThat(c.trainedBetas()).isEmpty();
        assertThat(c.stepsOffset()).isEqualTo(1);
    }

    @Test
    void wrongJsonTypeIsReportedWithFileAndKey(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("scheduler_config.json");
        Files.writeString(file, "{\"num_train_timesteps\": \"many\"}");
        assertThatThrownBy(() -> SchedulerConfig.read(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("num_train_timesteps")
                .hasMessageContaining("many");
    }

    @Test
    void aStepsOffsetLeadingOutOfTheTrainedTimestepsIsRefused(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("scheduler_config.json");
        Files.writeString(file, "{\"steps_offset\": -1}");
        assertThatThrownBy(() -> SchedulerConfig.read(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("steps_offset must be 0 or more, got -1");
        // the largest offset that fits depends on the step count: 20 leading steps of 1000 / 20 leave room for 49
        SchedulerConfig c = SchedulerConfig.fromJson(json("{\"num_train_timesteps\": 1000, \"steps_offset\": 50}"));
        for (String kind : new String[] {"ddpm", "ddim"}) {
            Scheduler s = Schedulers.create(kind, c);
            assertThatThrownBy(() -> s.setTimesteps(20)).as(kind).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("steps_offset 50").hasMessageContaining("num_train_timesteps 1000");
            Scheduler fits = Schedulers.create(kind, SchedulerConfig.fromJson(
                    json("{\"num_train_timesteps\": 1000, \"steps_offset\": 49}")));
            fits.setTimesteps(20);
            assertThat(fits.timesteps()[0]).as(kind).isEqualTo(999);
        }
    }

    @Test
    void malformedJsonIsReportedWithTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("scheduler_config.json");
        Files.writeString(file, "{\"beta_start\": ");
        assertThatThrownBy(() -> SchedulerConfig.read(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString());
    }

    @Test
    void unreadableFileIsReportedWithItsPath(@TempDir Path dir) {
        Path file = dir.resolve("nope.json");
        assertThatThrownBy(() -> SchedulerConfig.read(file))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining(file.toString());
    }

    @Test
    void unknownBetaScheduleIsRejectedWithTheValidChoices() {
        SchedulerConfig c = SchedulerConfig.defaults().withBetaSchedule("cosine");
        for (String kind : new String[] {"ddpm", "ddim", "unipc"}) {
            assertThatThrownBy(() -> Schedulers.create(kind, c))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("beta_schedule")
                    .hasMessageContaining("cosine")
                    .hasMessageContaining("scaled_linear");
        }
    }

    @Test
    void sigmoidScheduleIsDdpmOnly() {
        SchedulerConfig c = SchedulerConfig.defaults().withBetaSchedule("sigmoid");
        Scheduler ddpm = Schedulers.create("ddpm", c);
        float[] betas = dev.xpsr.torch.Torch.toFloats(ddpm.betas());
        assertThat(betas[0]).isGreaterThan((float) c.betaStart()).isLessThan(betas[betas.length - 1]);
        assertThatThrownBy(() -> Schedulers.create("ddim", c)).hasMessageContaining("sigmoid");
    }

    @Test
    void otherInvalidChoicesNameKeyAndValue() {
        SchedulerConfig d = SchedulerConfig.defaults();
        assertThatThrownBy(() -> Schedulers.create("ddpm", d.withVarianceType("learned")))
                .hasMessageContaining("variance_type").hasMessageContaining("learned")
                .hasMessageContaining("fixed_small");
        assertThatThrownBy(() -> Schedulers.create("ddim", d.withPredictionType("noise")))
                .hasMessageContaining("prediction_type").hasMessageContaining("v_prediction");
        assertThatThrownBy(() -> Schedulers.create("ddpm", d.withTimestepSpacing("even")))
                .hasMessageContaining("timestep_spacing").hasMessageContaining("trailing");
        assertThatThrownBy(() -> Schedulers.create("unipc", d.withSolverType("dpm")))
                .hasMessageContaining("solver_type").hasMessageContaining("bh2");
        assertThatThrownBy(() -> Schedulers.create("unipc", d.withSolverOrder(0)))
                .hasMessageContaining("solver_order");
        assertThatThrownBy(() -> Schedulers.create("ddim", d.withThresholding(true)))
                .hasMessageContaining("thresholding");
        assertThatThrownBy(() -> Schedulers.create("unipc", d.withUseKarrasSigmas(true)))
                .hasMessageContaining("use_karras_sigmas");
        assertThatThrownBy(() -> Schedulers.create("ddim", d.withEta(-0.5))).hasMessageContaining("eta");
        assertThatThrownBy(() -> Schedulers.create("ddpm", d.withNumTrainTimesteps(0)))
                .hasMessageContaining("num_train_timesteps");
        assertThatThrownBy(() -> Schedulers.create("ddpm", d.withTrainedBetas(new double[] {0.1, 0.2})))
                .hasMessageContaining("trained_betas");
        assertThatThrownBy(() -> Schedulers.create("euler", d))
                .hasMessageContaining("euler").hasMessageContaining("unipc");
    }

    @Test
    void inferenceStepCountsOutsideTheTrainingRangeAreRejected() {
        for (String kind : new String[] {"ddpm", "ddim", "unipc"}) {
            Scheduler s = Schedulers.create(kind, SchedulerConfig.defaults());
            assertThatThrownBy(() -> s.setTimesteps(0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("num_inference_steps").hasMessageContaining("0");
            assertThatThrownBy(() -> s.setTimesteps(1001))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("1001").hasMessageContaining("num_train_timesteps");
        }
    }

    @Test
    void stepBeforeSetTimestepsFails() {
        for (String kind : new String[] {"ddpm", "ddim", "unipc"}) {
            Scheduler s = Schedulers.create(kind, SchedulerConfig.defaults());
            var x = dev.xpsr.torch.Torch.zeros(1, 4, 2, 2);
            assertThatThrownBy(() -> s.step(x, 999, x, (NoiseSource) null))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("setTimesteps");
        }
    }

    @Test
    void trainedBetasReplaceTheSchedule() {
        double[] betas = new double[1000];
        java.util.Arrays.fill(betas, 0.01);
        Scheduler s = Schedulers.create("ddim", SchedulerConfig.defaults().withTrainedBetas(betas));
        assertThat(dev.xpsr.torch.Torch.toFloats(s.betas())).containsOnly(0.01f);
    }

    @Test
    void withCopiesLeaveTheOriginalUnchanged() {
        SchedulerConfig a = SchedulerConfig.defaults();
        SchedulerConfig b = a.withClipSample(false).withEta(0.3).withTimestepSpacing("trailing");
        assertThat(a.clipSample()).isTrue();
        assertThat(a.eta()).isZero();
        assertThat(a.timestepSpacing()).isEmpty();
        assertThat(b.clipSample()).isFalse();
        assertThat(b.eta()).isEqualTo(0.3);
        assertThat(b.timestepSpacing()).contains("trailing");
    }
}
