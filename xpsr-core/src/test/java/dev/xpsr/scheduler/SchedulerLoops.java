package dev.xpsr.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replays the denoising loops a scheduler fixture recorded ({@code input.<case>.initial_sample},
 * {@code input.<case>.model_outputs[i]}, optional {@code input.<case>.variance_noise[i]};
 * {@code output.<case>.timesteps}, {@code prev_samples[i]}, {@code pred_original_samples[i]}), with the case's
 * resolved config, step count and η from {@code extra.<case>}.
 *
 * <p>Each loop is run twice: teacher-forced (step i gets the reference x_i, so the error of one step is
 * measured: ≤ 1e-5) and free-running (step i gets our own x_i, so errors may accumulate: ≤ 1e-4). Every step
 * runs inside its own {@code PointerScope}, as the pipeline will, so state kept across steps must survive it.
 */
final class SchedulerLoops {
    static final double STEP_TOL = 1e-5;
    static final double LOOP_TOL = 1e-4;
    private final GoldenFixture fx;
    private final Map<String, Double> deviations = new TreeMap<>();

    SchedulerLoops(GoldenFixture fx) {
        this.fx = fx;
    }

    /** The cases of {@code extra} that record a loop (those with {@code num_inference_steps}), in file order. */
    List<String> loopCases() {
        List<String> names = new ArrayList<>();
        fx.json("extra").properties().forEach(e -> {
            if (e.getValue().has("num_inference_steps")) {
                names.add(e.getKey());
            }
        });
        assertThat(names).as(fx.file().path() + " loop cases").isNotEmpty();
        return names;
    }

    /** Timesteps, then both replays of the loop of case {@code name}. */
    void checkLoop(String name) {
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
    void runTeacherForcedLoop(String name, Scheduler s) {
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
    void runFreeLoop(String name, Scheduler s, String label) {
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

    /** Asserts equal shapes and max |actual − expected| ≤ tol, keeping the largest difference per label. */
    void assertClose(String what, Tensor actual, Tensor expected, double tol) {
        assertThat(Torch.shape(actual)).as(what + " shape").containsExactly(Torch.shape(expected));
        double d = Torch.maxAbsDiff(actual, expected);
        deviations.merge(what, d, Math::max);
        assertThat(d).as(what).isLessThanOrEqualTo(tol);
    }

    /** Prints the largest difference seen per label. */
    void report() {
        deviations.forEach((k, v) -> System.out.printf("max |java - diffusers| %-40s %.3e%n", k, v));
    }

    // ---------------------------------------------------------------- fixture access

    JsonNode extra(String name) {
        JsonNode node = fx.json("extra").get(name);
        if (node == null) {
            throw new AssertionError(fx.file().path() + ": extra has no case '" + name + "'");
        }
        return node;
    }

    /** The case's resolved diffusers config plus the step arguments the fixture records (η). */
    SchedulerConfig caseConfig(String name) {
        JsonNode e = extra(name);
        SchedulerConfig c = SchedulerConfig.fromJson(e.get("config"));
        return e.has("eta") ? c.withEta(e.get("eta").doubleValue()) : c;
    }

    static String kindOf(String name) {
        for (String kind : new String[] {"ddpm", "ddim", "unipc"}) {
            if (name.startsWith(kind)) {
                return kind;
            }
        }
        throw new AssertionError("no scheduler kind for fixture case " + name);
    }

    static long[] toLongs(Tensor t) {
        float[] f = Torch.toFloats(t);
        long[] out = new long[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = (long) f[i];
        }
        return out;
    }

    static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).longValue();
        }
        return out;
    }
}
