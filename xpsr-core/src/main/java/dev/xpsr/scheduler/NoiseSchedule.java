package dev.xpsr.scheduler;

import java.util.List;

/**
 * The training noise schedule β_t and ᾱ_t = ∏_{s≤t}(1 − β_s), bit-identical to what diffusers 0.21.4 builds in
 * float32 on the CPU with torch 1.13 ({@code __init__} of {@code scheduling_ddpm.py}, {@code scheduling_ddim.py},
 * {@code scheduling_unipc_multistep.py}).
 *
 * <ul>
 *   <li>{@code linear}: {@code torch.linspace(beta_start, beta_end, T, float32)}</li>
 *   <li>{@code scaled_linear}: {@code torch.linspace(sqrt(beta_start), sqrt(beta_end), T, float32) ** 2}</li>
 *   <li>{@code squaredcos_cap_v2}: {@code β_i = min(1 − ᾱ(t_{i+1})/ᾱ(t_i), 0.999)},
 *       {@code ᾱ(t) = cos((t + 0.008)/1.008 · π/2)²}, in double, stored as float32</li>
 *   <li>{@code sigmoid} (DDPM only): {@code sigmoid(linspace(−6, 6, T)) · (beta_end − beta_start) + beta_start}</li>
 *   <li>{@code trained_betas}: the given values as float32</li>
 * </ul>
 * The values are computed in Java rather than with libtorch because the exact float32 bits of {@code linspace}
 * depend on the CPU kernel (see {@link #torchLinspace}) and the stored reference fixes them.
 */
final class NoiseSchedule {
    /** Width of the float32 vectors of torch's AVX2 CPU kernels (8 lanes). */
    private static final int VECTOR_LANES = 8;

    private NoiseSchedule() {
    }

    /**
     * β_t for a config.
     *
     * @param validSchedules the {@code beta_schedule} values the calling class accepts
     * @param className      the diffusers class name, for error messages
     */
    static float[] betas(SchedulerConfig c, List<String> validSchedules, String className) {
        int n = c.numTrainTimesteps();
        if (n < 1) {
            throw new IllegalArgumentException("num_train_timesteps must be at least 1, got " + n);
        }
        if (c.trainedBetas().isPresent()) {
            return trainedBetas(c.trainedBetas().get(), n);
        }
        Checks.requireChoice("beta_schedule", c.betaSchedule(), validSchedules, className);
        return switch (c.betaSchedule()) {
            case "linear" -> torchLinspace((float) c.betaStart(), (float) c.betaEnd(), n);
            case "scaled_linear" -> squared(torchLinspace((float) Math.pow(c.betaStart(), 0.5),
                    (float) Math.pow(c.betaEnd(), 0.5), n));
            case "squaredcos_cap_v2" -> cosineBetas(n);
            case "sigmoid" -> sigmoidBetas(c.betaStart(), c.betaEnd(), n);
            default -> throw new IllegalStateException("unreachable: " + c.betaSchedule());
        };
    }

    /** ᾱ from β: {@code 1 − β} in float32, then torch's CPU {@code cumprod}, which accumulates in double. */
    static float[] alphasCumprod(float[] betas) {
        float[] out = new float[betas.length];
        double running = 1.0;
        for (int i = 0; i < betas.length; i++) {
            running *= 1f - betas[i];
            out[i] = (float) running;
        }
        return out;
    }

    /**
     * DDIM's {@code rescale_zero_terminal_snr} (arXiv 2305.08891, Algorithm 1): shift and scale sqrt(ᾱ) so that
     * sqrt(ᾱ_{T−1}) = 0 while sqrt(ᾱ_0) is kept, then convert back to β. Float32 steps as in diffusers.
     */
    static float[] rescaleZeroTerminalSnr(float[] betas) {
        float[] sqrtBar = alphasCumprod(betas);
        for (int i = 0; i < sqrtBar.length; i++) {
            sqrtBar[i] = (float) Math.sqrt(sqrtBar[i]);
        }
        float first = sqrtBar[0];
        float last = sqrtBar[sqrtBar.length - 1];
        float scale = first / (first - last);
        float[] bar = new float[sqrtBar.length];
        for (int i = 0; i < bar.length; i++) {
            float shifted = (sqrtBar[i] - last) * scale;
            bar[i] = shifted * shifted;
        }
        float[] out = new float[bar.length];
        out[0] = 1f - bar[0];
        for (int i = 1; i < bar.length; i++) {
            out[i] = 1f - bar[i] / bar[i - 1];
        }
        return out;
    }

    /**
     * {@code torch.linspace(start, end, steps, dtype=float32)} on the CPU, bit for bit.
     *
     * <p>torch's kernel computes the first half forwards from {@code start} and the second half backwards from
     * {@code end} (so both ends are exact). Its vector path fills blocks of two 8-lane vectors, each lane being
     * {@code base + i·step} with {@code base} taken at the vector's first index; the tail that does not fill a
     * block uses the scalar formula. The compiler fuses the multiply-adds, hence {@link Math#fma}.
     * (Valid up to 32768 steps, torch's single-thread grain size.)
     */
    static float[] torchLinspace(float start, float end, int steps) {
        float[] out = new float[steps];
        if (steps == 1) {
            out[0] = start;
            return out;
        }
        float step = (end - start) / (steps - 1);
        int halfway = steps / 2;
        int vectorised = steps / (2 * VECTOR_LANES) * (2 * VECTOR_LANES);
        for (int base = 0; base < vectorised; base += VECTOR_LANES) {
            float first = linspaceElement(start, end, step, halfway, steps, base);
            for (int lane = 0; lane < VECTOR_LANES; lane++) {
                out[base + lane] = Math.fma(lane, step, first);
            }
        }
        for (int i = vectorised; i < steps; i++) {
            out[i] = linspaceElement(start, end, step, halfway, steps, i);
        }
        return out;
    }

    private static float linspaceElement(float start, float end, float step, int halfway, int steps, int i) {
        return i < halfway ? Math.fma(step, i, start) : Math.fma(-step, steps - i - 1, end);
    }

    private static float[] squared(float[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] * v[i];
        }
        return out;
    }

    private static float[] cosineBetas(int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            double t1 = (double) i / n;
            double t2 = (double) (i + 1) / n;
            out[i] = (float) Math.min(1 - cosineAlphaBar(t2) / cosineAlphaBar(t1), 0.999);
        }
        return out;
    }

    private static double cosineAlphaBar(double t) {
        double c = Math.cos((t + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }

    private static float[] sigmoidBetas(double betaStart, double betaEnd, int n) {
        float[] x = torchLinspace(-6f, 6f, n);
        float range = (float) (betaEnd - betaStart);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            float s = (float) (1.0 / (1.0 + Math.exp(-x[i])));
            out[i] = s * range + (float) betaStart;
        }
        return out;
    }

    private static float[] trainedBetas(double[] given, int numTrainTimesteps) {
        if (given.length != numTrainTimesteps) {
            throw new IllegalArgumentException("trained_betas has " + given.length
                    + " values but num_train_timesteps is " + numTrainTimesteps);
        }
        float[] out = new float[given.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) given[i];
        }
        return out;
    }
}
