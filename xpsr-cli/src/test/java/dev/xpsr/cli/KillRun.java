package dev.xpsr.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One kill test's series: an {@code xpsr} command started again and again and killed at each moment of a
 * {@link KillSchedule}, its outputs checked after every kill, then run once more to its end. What it did is
 * written to {@code target/reliability/<name>.tsv} for scripts/reliability-figures.sh: one line per kill
 * (moment, whether it landed while the child ran and inside a write), then the totals.
 */
final class KillRun {
    /** Kills inside writes each series must have seen, or the test did not test what it says. */
    private static final int MIN_INSIDE_WRITES = 3;

    /** What a test checks of the outputs after each kill. */
    interface Check {
        void run() throws Exception;
    }

    private final String name;
    private final long start = System.nanoTime();
    private final List<KillSchedule.Kill> kills = new ArrayList<>();

    private KillRun(String name) {
        this.name = name;
    }

    /**
     * Starts {@code command} (its arguments as they must be now, e.g. with {@code --resume} once there is a
     * checkpoint) and kills it at each of {@code moments}, running {@code afterEachKill} after every kill; then runs
     * it to its end, which must succeed.
     */
    static KillRun repeat(String name, List<KillSchedule.Moment> moments, Path log, Path output,
            KillSchedule.Watch watch, Callable<String[]> command, Check afterEachKill) throws Exception {
        KillRun run = new KillRun(name);
        for (KillSchedule.Moment moment : moments) {
            run.kills.add(KillSchedule.kill(CliProcess.start(log, command.call()), moment, output, watch));
            afterEachKill.run();
        }
        assertThat(CliProcess.run(log, command.call())).as("%s", Files.readString(log)).isZero();
        return run;
    }

    /**
     * Writes the report, {@code outcome} summing up what was checked, and fails unless every kill landed while the
     * child ran and enough landed inside writes.
     */
    void finish(String outcome) throws IOException {
        long landed = kills.stream().filter(KillSchedule.Kill::landed).count();
        long insideWrites = kills.stream().filter(KillSchedule.Kill::insideWrite).count();
        StringBuilder s = new StringBuilder("kill\tkind\tunits\tdelay_ms\tlanded\tinside_write\n");
        for (int i = 0; i < kills.size(); i++) {
            KillSchedule.Kill k = kills.get(i);
            s.append(i + 1).append('\t').append(k.moment().kind()).append('\t').append(k.moment().units())
                    .append('\t').append(k.moment().delayMillis()).append('\t').append(k.landed()).append('\t')
                    .append(k.insideWrite()).append('\n');
        }
        s.append(String.format(Locale.ROOT, "# %s: %d kills, %d while running, %d inside a write; %s (%.0f s)%n", name,
                kills.size(), landed, insideWrites, outcome, (System.nanoTime() - start) / 1e9));
        Path dir = Files.createDirectories(Path.of(System.getProperty("xpsr.reliability.dir", "target/reliability")));
        Files.writeString(dir.resolve(name + ".tsv"), s);
        System.out.print(s);
        assertThat(landed).as("kills while xpsr ran").isEqualTo(kills.size());
        assertThat(insideWrites).as("kills inside writes").isGreaterThanOrEqualTo(MIN_INSIDE_WRITES);
    }
}
