package dev.xpsr.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a kill test did, written to {@code target/reliability/<name>.tsv} for scripts/reliability-figures.sh: one
 * line per kill (moment, whether it landed while the child ran and inside a write), then the totals.
 */
final class KillReport {
    private final String name;
    private final List<KillSchedule.Kill> kills = new ArrayList<>();

    KillReport(String name) {
        this.name = name;
    }

    void add(KillSchedule.Kill kill) {
        kills.add(kill);
    }

    long landed() {
        return kills.stream().filter(KillSchedule.Kill::landed).count();
    }

    long insideWrites() {
        return kills.stream().filter(KillSchedule.Kill::insideWrite).count();
    }

    /** Writes the report; {@code outcome} sums up what was checked after the kills. */
    void write(String outcome) throws IOException {
        StringBuilder s = new StringBuilder("kill\tkind\tdelay_ms\tlanded\tinside_write\n");
        for (int i = 0; i < kills.size(); i++) {
            KillSchedule.Kill k = kills.get(i);
            s.append(i + 1).append('\t').append(k.moment().kind()).append('\t').append(k.moment().delayMillis())
                    .append('\t').append(k.landed()).append('\t').append(k.insideWrite()).append('\n');
        }
        s.append("# ").append(name).append(": ").append(kills.size()).append(" kills, ").append(landed())
                .append(" while running, ").append(insideWrites()).append(" inside a write; ").append(outcome)
                .append('\n');
        Path dir = Files.createDirectories(Path.of(System.getProperty("xpsr.reliability.dir", "target/reliability")));
        Files.writeString(dir.resolve(name + ".tsv"), s);
        System.out.print(s);
    }
}
