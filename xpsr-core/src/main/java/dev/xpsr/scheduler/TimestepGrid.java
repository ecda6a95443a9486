package dev.xpsr.scheduler;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Inference timestep grids as diffusers 0.21.4 builds them with numpy (Table 2 of arXiv 2305.08891).
 * All grids are returned in sampling order (descending). numpy's {@code round} is round-half-to-even
 * ({@link Math#rint}).
 */
final class TimestepGrid {
    private TimestepGrid() {
    }

    /**
     * The grid of diffusers' multistep solvers (UniPC, DPM-Solver) for a {@code timestep_spacing}, repeated values
     * removed (with as many steps as training timesteps the rounded grid can repeat them).
     */
    static long[] multistep(String spacing, int numTrainTimesteps, int numInferenceSteps, long stepsOffset) {
        long[] grid = switch (spacing) {
            case "linspace" -> dropLast(linspace(numTrainTimesteps - 1, numInferenceSteps + 1));
            case "leading" -> dropLast(leading(numInferenceSteps + 1, numTrainTimesteps / (numInferenceSteps + 1),
                    stepsOffset, numTrainTimesteps));
            default -> trailing(numTrainTimesteps, numInferenceSteps);
        };
        return unique(grid);
    }

    /** {@code np.linspace(0, stop, num).round()[::-1]}: i·(stop/(num−1)) in double, last point exactly stop. */
    static long[] linspace(double stop, int num) {
        long[] out = new long[num];
        double step = num > 1 ? stop / (num - 1) : 0;
        for (int i = 0; i < num; i++) {
            double v = (i == num - 1 && num > 1) ? stop : i * step;
            out[num - 1 - i] = (long) Math.rint(v);
        }
        return out;
    }

    /**
     * {@code (np.arange(0, num) * ratio)[::-1] + offset} with an integer ratio.
     *
     * @throws IllegalArgumentException when the offset puts the first timestep past the trained ones (diffusers would
     *                                  fail indexing its schedule there)
     */
    static long[] leading(int num, long ratio, long offset, int numTrainTimesteps) {
        long first = (num - 1) * ratio + offset;
        if (first > numTrainTimesteps - 1) {
            throw new IllegalArgumentException("steps_offset " + offset + " puts the first of " + num + " leading "
                    + "timesteps at " + first + ", past num_train_timesteps " + numTrainTimesteps + " - 1; Stable "
                    + "Diffusion's scheduler configs use 1");
        }
        long[] out = new long[num];
        for (int i = 0; i < num; i++) {
            out[num - 1 - i] = i * ratio + offset;
        }
        return out;
    }

    /**
     * {@code np.round(np.arange(T, 0, -T/num)) - 1}. numpy sizes a float arange as ceil((stop − start)/step) and
     * fills it as {@code start, start + step, start + i·delta} with {@code delta = (start + step) − start}, which is reproduced here.
     */
    static long[] trailing(int numTrainTimesteps, int num) {
        double step = -((double) numTrainTimesteps / num);
        double start = numTrainTimesteps;
        int length = (int) Math.ceil((0 - start) / step);
        double delta = (start + step) - start;
        long[] out = new long[length];
        for (int i = 0; i < length; i++) {
            double v = i == 0 ? start : i == 1 ? start + step : start + i * delta;
            out[i] = (long) Math.rint(v) - 1;
        }
        return out;
    }

    /** Drops repeated values, keeping the first occurrence of each (diffusers' {@code np.unique} + sort). */
    static long[] unique(long[] timesteps) {
        Set<Long> seen = new LinkedHashSet<>();
        for (long t : timesteps) {
            seen.add(t);
        }
        return seen.stream().mapToLong(Long::longValue).toArray();
    }

    /** Drops the last element ({@code [:-1]}). */
    static long[] dropLast(long[] timesteps) {
        long[] out = new long[timesteps.length - 1];
        System.arraycopy(timesteps, 0, out, 0, out.length);
        return out;
    }

    /** {@code np.arange(0, n)[::-1]}: the grid before {@code set_timesteps} is called. */
    static long[] allTrainTimesteps(int numTrainTimesteps) {
        long[] out = new long[numTrainTimesteps];
        for (int i = 0; i < numTrainTimesteps; i++) {
            out[i] = numTrainTimesteps - 1 - i;
        }
        return out;
    }
}
