package dev.xpsr.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The schedulers against diffusers 0.21.4 ({@code schedulers.safetensors}): schedule tables bit for bit, the
 * timestep grids exactly, and every step of every recorded denoising loop ({@link SchedulerLoops}). Step counts,
 * timesteps, η and configs are read from the fixture, so other fixture files of the same format are checked the
 * same way.
 */
class SchedulersGoldenTest {
    private static final double STEP_TOL = SchedulerLoops.STEP_TOL;
    private static GoldenFixture fx;
    private static SchedulerLoops loops;

    @BeforeAll
    static void open() {
        fx = GoldenFixture.open("schedulers");
        loops = new SchedulerLoops(fx);
    }

    @AfterAll
    static void report() {
        loops.report();
        fx.close();
    }

    @Test
    void scaledLinearScheduleMatchesDiffusersBitForBit() {
        Scheduler s = Schedulers.create("ddpm", loops.caseConfig("ddpm"));
        assertThat(Torch.toFloats(s.betas())).containsExactly(Torch.toFloats(fx.tensor("output.ddpm.betas")));
        assertThat(Torch.toFloats(s.alphasCumprod()))
                .containsExactly(Torch.toFloats(fx.tensor("output.ddpm.alphas_cumprod")));
    }

    @Test
    void ddpmReproducesDiffusersLoopWithRecordedNoise() {
        loops.checkLoop("ddpm");
    }

    @Test
    void ddpmWithClipSampleAndUnevenStepCountReproducesDiffusersLoop() {
        loops.checkLoop("ddpm_clip");
    }

    @Test
    void ddimWithEtaZeroReproducesDiffusersLoop() {
        loops.checkLoop("ddim");
        DDIMScheduler ddim = (DDIMScheduler) Schedulers.create("ddim", loops.caseConfig("ddim"));
        assertThat(ddim.finalAlphaCumprod()).isEqualTo(loops.extra("ddim").get("final_alpha_cumprod").floatValue());
    }

    @Test
    void ddimWithEtaReproducesDiffusersLoopWithRecordedNoise() {
        loops.checkLoop("ddim_eta");
    }

    @Test
    void unipcReproducesDiffusersMultistepLoop() {
        loops.checkLoop("unipc");
    }

    @Test
    void unipcStartsFreshAfterSetTimesteps() {
        Scheduler s = Schedulers.create("unipc", loops.caseConfig("unipc"));
        loops.runFreeLoop("unipc", s, "unipc first run");
        // a second run on the same instance must not see the first run's history
        loops.runFreeLoop("unipc", s, "unipc second run");
    }

    @Test
    void addNoiseTwiceAndVelocityMatchDiffusers() {
        DDPMScheduler s = (DDPMScheduler) Schedulers.create("ddpm", SchedulerConfig.fromJson(fx.json("config")));
        Tensor original = fx.tensor("input.add_noise.original");
        long t1 = timestep("input.add_noise.t1");
        long t2 = timestep("input.add_noise.t2");
        Tensor noisy1 = s.addNoise(original, fx.tensor("input.add_noise.noise1"), t1);
        Tensor noisy2 = s.addNoise(noisy1, fx.tensor("input.add_noise.noise2"), t2);
        Tensor velocity = s.getVelocity(original, fx.tensor("input.add_noise.noise1"), t1);
        loops.assertClose("add_noise noisy1", noisy1, fx.tensor("output.add_noise.noisy1"), STEP_TOL);
        loops.assertClose("add_noise noisy2", noisy2, fx.tensor("output.add_noise.noisy2"), STEP_TOL);
        loops.assertClose("add_noise velocity_t1", velocity, fx.tensor("output.add_noise.velocity_t1"), STEP_TOL);
    }

    @Test
    void sd15ConfigFileGivesEachClassItsOwnDefaults(@TempDir Path dir) throws IOException {
        Path folder = Files.createDirectories(dir.resolve("scheduler"));
        Files.writeString(folder.resolve(Schedulers.CONFIG_FILE), fx.metadata("config"));
        // the SD-1.5 file names PNDMScheduler, which XPSR's test.py loads as DDPM
        Scheduler byClassName = Schedulers.fromFolder(folder, null);
        assertThat(byClassName).isInstanceOf(DDPMScheduler.class);
        for (String kind : new String[] {"ddpm", "ddim", "unipc"}) {
            Scheduler s = Schedulers.fromFolder(folder, kind);
            s.setTimesteps(loops.extra(kind).get("num_inference_steps").intValue());
            // DDPM/DDIM default to "leading" spacing, UniPC to "linspace": the grids prove the defaults
            assertThat(s.timesteps()).as(kind)
                    .containsExactly(SchedulerLoops.longs(loops.extra(kind).get("timesteps")));
        }
    }

    private static long timestep(String key) {
        return SchedulerLoops.toLongs(fx.tensor(key))[0];
    }
}
