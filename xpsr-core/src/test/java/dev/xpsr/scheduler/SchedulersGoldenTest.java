package dev.xpsr.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The schedulers against diffusers 0.21.4 ({@code schedulers.safetensors}): schedule tables bit for bit, the
 * timestep grids exactly, and every step of every recorded denoising loop. Step counts, timesteps, η and configs
 * are read from the fixture, so other fixture files of the same format are checked the same way.
 *
 * <p>Each loop is run twice: teacher-forced (step i gets the reference x_i, so the error of one step is
 * measured: ≤ 1e-5) and free-running (step i gets our own x_i, so errors may accumulate: ≤ 1e-4). Every step
 * runs inside its own {@code PointerScope}, as the pipeline will, so state kept across steps must survive it.
 */
class SchedulersGoldenTest {
    private static final double STEP_TOL = 1e-5;
    private static final double LOOP_TOL = 1e-4;
    private static final Map<String, Double> DEVIATIONS = new TreeMap<>();
    private static GoldenFixture fx;

    @BeforeAll
    static void open() {
        fx = GoldenFixture.open("schedulers");
    }

    @AfterAll
    static void report() {
        DEVIATIONS.forEach((k, v) -> System.out.printf("max |java - diffusers| %-40s %.3e%n", k, v));
        fx.close();
    }

    @Test
    void scaledLinearScheduleMatchesDiffusersBitForBit() {
        Scheduler s = Schedulers.create("ddpm", caseConfig("ddpm"));
        assertThat(Torch.toFloats(s.betas())).containsExactly(Torch.toFloats(fx.tensor("output.ddpm.betas")));
        assertThat(Torch.toFloats(s.alphasCumprod()))
                .containsExactly(Torch.toFloats(fx.tensor("output.ddpm.alphas_cumprod")));
    }

    @Test
    void ddpmReproducesDiffusersLoopWithRecordedNoise() {
        checkLoop("ddpm");
    }

    @Test
    void ddpmWithClipSampleAndUnevenStepCountReproducesDiffusersLoop() {
        checkLoop("ddpm_clip");
    }

    @Test
    void ddimWithEtaZeroReproducesDiffusersLoop() {
        checkLoop("ddim");
        DDIMScheduler ddim = (DDIMScheduler) Schedulers.create("ddim", caseConfig("ddim"));
        assertThat(ddim.finalAlphaCumprod()).isEqualTo(extra("ddim").get("final_alpha_cumprod").floatValue());
    }

    @Test
    void ddimWithEtaReproducesDiffusersLoopWithRecordedNoise() {
        checkLoop("ddim_eta");
    }

    @Test
    void unipcReproducesDiffusersMultistepLoop() {
        checkLoop("unipc");
    }

    @Test
    void unipcStartsFreshAfterSetTimesteps() {
        Scheduler s = Schedulers.create("unipc", caseConfig("unipc"));
        runFreeLoop("unipc", s, "unipc first run");
        // a second run on the same instance must not see the first run's history
        runFreeLoop("unipc", s, "unipc second run");
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
        assertClose("add_noise noisy1", noisy1, fx.tensor("output.add_noise.noisy1"), STEP_TOL);
        assertClose("add_noise noisy2", noisy2, fx.tensor("output.add_noise.noisy2"), STEP_TOL);
        assertClose("add_noise velocity_t1", velocity, fx.tensor("output.add_noise.velocity_t1"), STEP_TOL);
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
            s.setTimesteps(extra(kind).get("num_inference_steps").intValue());
            // DDPM/DDIM default to "leading" spacing, UniPC to "linspace": the grids prove the defaults
            assertThat(s.timesteps()).as(kind).containsExactly(longs(extra(kind).get("timesteps")));
        }
    }

    // ---------------------------------------------------------------- loop checking

    private void checkLoop(String name) {
        Scheduler s = Schedulers.create(kindOf(name), caseConfig(name));
        int steps = extra(name).get("num_inference_steps").intValue();
        s.setTimesteps(steps);
        long[] expected = longs(extra(name).get("timesteps"));
        assertThat(s.timesteps()).containsExactly(expected);
        assertThat(s.timesteps()).containsExactly(toLongs(fx.tensor("output." + name + ".timesteps")));
        assertThat(s.initNoiseSigma()).isEqualTo(1f);
        runTeacherForcedLoop(name, s);
        runFreeLoop(name, s, name);
    }

    /** Step i gets the reference x_i: one step's error. */
    private void runTeacherForcedLoop(String name, Scheduler s) {
        s.setTimesteps(extra(name).get("num_inference_steps").intValue());
        long[] ts = s.timesteps();
        Tensor prevRef = fx.tensor("output." + name + ".prev_samples");
        Tensor x = fx.tensor("input." + name + ".initial_sample");
        for (int i = 0; i < ts.length; i++) {
            try (PointerScope scope = new PointerScope()) {
                StepOutput out = step(name, s, i, ts[i], x);
                checkStep(name + " step (teacher-forced)", name, i, out, STEP_TOL);
            }
            x = prevRef.select(0, i);
        }
    }

    /** Step i gets our own x_i, carried across the per-step scopes. */
    private void runFreeLoop(String name, Scheduler s, String label) {
        s.setTimesteps(extra(name).get("num_inference_steps").intValue());
        long[] ts = s.timesteps();
        Tensor x = fx.tensor("input." + name + ".initial_sample");
        boolean ownX = false;
        for (int i = 0; i < ts.length; i++) {
            Tensor next;
            try (PointerScope scope = new PointerScope()) {
                StepOutput out = step(name, s, i, ts[i], x);
                checkStep(label + " loop (free-running)", name, i, out, LOOP_TOL);
                next = out.prevSample();
                next.retainReference();
            }
            if (ownX) {
                x.close();
            }
            x = next;
            ownX = true;
        }
    }

    private StepOutput step(String name, Scheduler s, int i, long t, Tensor x) {
        Tensor modelOutput = fx.tensor("input." + name + ".model_outputs").select(0, i);
        Tensor sample = s.scaleModelInput(x, t);
        return s.step(modelOutput, t, sample, recordedNoise(name, i));
    }

    /** Serves the reference's draw for step i; fails if a step asks for noise the reference did not draw. */
    private NoiseSource recordedNoise(String name, int i) {
        String key = "input." + name + ".variance_noise";
        boolean recorded = fx.has(key);
        return shape -> {
            assertThat(recorded).as(name + " step " + i + " asked for noise but the reference drew none").isTrue();
            Tensor z = fx.tensor(key).select(0, i);
            assertThat(Torch.shape(z)).containsExactly(shape);
            return z;
        };
    }

    private void checkStep(String label, String name, int i, StepOutput out, double tol) {
        assertClose(label + " prev_sample", out.prevSample(),
                fx.tensor("output." + name + ".prev_samples").select(0, i), tol);
        String x0Key = "output." + name + ".pred_original_samples";
        if (fx.has(x0Key)) {
            assertClose(label + " pred_original_sample", out.predOriginalSample(), fx.tensor(x0Key).select(0, i),
                    tol);
        }
    }

    private static void assertClose(String what, Tensor actual, Tensor expected, double tol) {
        assertThat(Torch.shape(actual)).as(what + " shape").containsExactly(Torch.shape(expected));
        double d = Torch.maxAbsDiff(actual, expected);
        DEVIATIONS.merge(what, d, Math::max);
        assertThat(d).as(what).isLessThanOrEqualTo(tol);
    }

    // ---------------------------------------------------------------- fixture access

    private static JsonNode extra(String name) {
        JsonNode node = fx.json("extra").get(name);
        if (node == null) {
            throw new AssertionError("schedulers fixture: extra has no case '" + name + "'");
        }
        return node;
    }

    /** The case's resolved diffusers config plus the step arguments the fixture records (η). */
    private static SchedulerConfig caseConfig(String name) {
        JsonNode e = extra(name);
        SchedulerConfig c = SchedulerConfig.fromJson(e.get("config"));
        return e.has("eta") ? c.withEta(e.get("eta").doubleValue()) : c;
    }

    private static String kindOf(String name) {
        for (String kind : new String[] {"ddpm", "ddim", "unipc"}) {
            if (name.startsWith(kind)) {
                return kind;
            }
        }
        throw new AssertionError("no scheduler kind for fixture case " + name);
    }

    private static long timestep(String key) {
        return toLongs(fx.tensor(key))[0];
    }

    private static long[] toLongs(Tensor t) {
        float[] f = Torch.toFloats(t);
        long[] out = new long[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = (long) f[i];
        }
        return out;
    }

    private static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).longValue();
        }
        return out;
    }
}
