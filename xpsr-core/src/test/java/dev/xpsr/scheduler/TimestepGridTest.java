package dev.xpsr.scheduler;

import dev.xpsr.torch.NativeStartup;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Timestep grids for the spacings and step counts the golden fixture does not cover. Expected values were
 * printed by numpy with the expressions of diffusers 0.21.4's {@code set_timesteps}.
 */
class TimestepGridTest {
    @BeforeAll
    static void start() {
        NativeStartup.ensureStarted(2);
    }

    private static long[] grid(String kind, SchedulerConfig c, int steps) {
        Scheduler s = Schedulers.create(kind, c);
        s.setTimesteps(steps);
        return s.timesteps();
    }

    @Test
    void trailingSpacingFollowsNumpyFloatArange() {
        SchedulerConfig c = SchedulerConfig.defaults().withTimestepSpacing("trailing");
        // np.round(np.arange(1000, 0, -1000/7)) - 1
        assertThat(grid("ddpm", c, 7)).containsExactly(999, 856, 713, 570, 428, 285, 142);
        assertThat(grid("ddim", c, 3)).containsExactly(999, 666, 332);
        assertThat(grid("unipc", c, 7)).containsExactly(999, 856, 713, 570, 428, 285, 142);
        // np.round(np.arange(997, 0, -997/13))[:4] - 1
        assertThat(grid("ddpm", c.withNumTrainTimesteps(997), 13)).startsWith(996, 919, 843, 766).hasSize(13);
    }

    @Test
    void linspaceSpacingRoundsHalfToEven() {
        SchedulerConfig c = SchedulerConfig.defaults().withTimestepSpacing("linspace");
        // np.linspace(0, 999, 7).round()[::-1]: 499.5 rounds to 500, 166.5 to 166
        assertThat(grid("ddpm", c, 7)).containsExactly(999, 832, 666, 500, 333, 166, 0);
        assertThat(grid("ddim", c, 1)).containsExactly(0);
        // UniPC takes n + 1 points and drops the last: np.linspace(0, 999, 8).round()[::-1][:-1]
        assertThat(grid("unipc", c, 7)).containsExactly(999, 856, 714, 571, 428, 285, 143);
    }

    @Test
    void leadingSpacingAddsTheOffset() {
        SchedulerConfig c = SchedulerConfig.defaults().withTimestepSpacing("leading").withStepsOffset(1);
        assertThat(grid("ddim", c, 4)).containsExactly(751, 501, 251, 1);
        // UniPC: ratio 1000 // (7 + 1) = 125, grid (arange(8) * 125)[::-1][:-1] + 1
        assertThat(grid("unipc", c, 7)).containsExactly(876, 751, 626, 501, 376, 251, 126);
    }

    @Test
    void unipcDropsRepeatedTimestepsWhenStepsEqualTrainingSteps() {
        long[] ts = grid("unipc", SchedulerConfig.defaults(), 1000);
        // np.unique of np.linspace(0, 999, 1001).round()[::-1][:-1] keeps 999 values
        assertThat(ts).hasSize(999).startsWith(999).endsWith(1);
        for (int i = 1; i < ts.length; i++) {
            assertThat(ts[i]).isLessThan(ts[i - 1]);
        }
    }
}
