package dev.xpsr.scheduler;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.xpsr.testing.FuzzContract;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes a {@code scheduler/scheduler_config.json} as a pipeline uses it ({@link Schedulers#fromFolder}, then XPSR's
 * 20 inference steps): any file gives a scheduler with 20 timesteps in {@code [0, num_train_timesteps)}, or an
 * {@link IllegalArgumentException} naming the file and the key (or, for too few training steps, that key).
 */
class SchedulerConfigFuzzTest {
    private static final Path DIR = FuzzContract.scratch("scheduler");
    private static final int STEPS = 20;

    @Timeout(60)
    @FuzzTest
    void givesTimestepsInRangeOrRefusesNamingTheFile(byte[] input) {
        Path file = FuzzContract.write(DIR, Schedulers.CONFIG_FILE, input);
        Scheduler scheduler;
        try {
            scheduler = Schedulers.fromFolder(DIR, null);
        } catch (IllegalArgumentException e) {
            FuzzContract.assertNames(e, file);
            return;
        }
        try {
            scheduler.setTimesteps(STEPS);
        } catch (IllegalArgumentException e) {
            // too few training steps for 20: the pipeline's step count is at fault as much as the file
            FuzzContract.assertNames(e, "num_train_timesteps");
            return;
        }
        long[] timesteps = scheduler.timesteps();
        assertThat(timesteps).hasSize(STEPS);
        assertThat(java.util.Arrays.stream(timesteps)).allSatisfy(t -> assertThat(t).isBetween(0L,
                scheduler.config().numTrainTimesteps() - 1L));
    }
}
