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
    void givesTimestepsInRangeOrRefusesNamingTheFile(byte[] input) throws Exception {
        Path file = FuzzContract.write(DIR, Schedulers.CONFIG_FILE, input);
        Scheduler scheduler = FuzzContract.resultOrRefusal(() -> Schedulers.fromFolder(DIR, null),
                IllegalArgumentException.class, file);
        if (scheduler == null) {
            return;
        }
        // too few training steps for 20: the pipeline's step count is at fault as much as the file
        long[] timesteps = FuzzContract.resultOrRefusal(() -> {
            scheduler.setTimesteps(STEPS);
            return scheduler.timesteps();
        }, IllegalArgumentException.class, "num_train_timesteps");
        if (timesteps == null) {
            return;
        }
        assertThat(timesteps).hasSize(STEPS);
        assertThat(java.util.Arrays.stream(timesteps)).allSatisfy(t -> assertThat(t).isBetween(0L,
                scheduler.config().numTrainTimesteps() - 1L));
    }
}
