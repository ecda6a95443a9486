package dev.xpsr.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Seeded moments at which a kill test sends SIGKILL to a running {@code xpsr} child, of three kinds: while it
 * starts (a uniform delay after the start: JVM, natives, models, resume bookkeeping), while it works (after 1 to 3
 * units of progress, then a uniform delay within a unit), and inside a write (a temporary file or folder of an
 * atomic write has appeared, then 0–20 ms), since a uniform draw over a whole run would seldom land inside a
 * write of a few milliseconds. Counting progress keeps the work done per life, and so the test's duration, the
 * same on fast and slow machines.
 */
final class KillSchedule {
    /** How a moment is chosen. */
    enum Kind { STARTING, WORKING, IN_WRITE }

    /** One kill: {@code units} of progress first (WORKING), then {@code delayMillis}. */
    record Moment(Kind kind, int units, long delayMillis) {
    }

    /** What a kill did. */
    record Kill(Moment moment, boolean landed, boolean insideWrite) {
    }

    /** What a kill test watches in the output folder of its command. */
    interface Watch {
        /** Whether this path belongs to a write in progress (the temporary file or folder of an atomic write). */
        boolean inWrite(Path p);

        /** Units of work done so far (training steps logged, images written). */
        long progress(Path output);
    }

    private static final long POLL_MILLIS = 2;

    private KillSchedule() {
    }

    /** {@code n} moments from {@code seed}: a fifth while starting, the rest half working, half inside a write. */
    static List<Moment> draw(long seed, int n, long startingMillis, long unitMillis) {
        Random random = new Random(seed);
        List<Moment> moments = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (i % 5 == 0) {
                moments.add(new Moment(Kind.STARTING, 0, (long) (random.nextDouble() * startingMillis)));
            } else if (i % 2 == 1) {
                moments.add(new Moment(Kind.IN_WRITE, 0, random.nextInt(21)));
            } else {
                moments.add(new Moment(Kind.WORKING, 1 + random.nextInt(3), (long) (random.nextDouble() * unitMillis)));
            }
        }
        return moments;
    }

    /**
     * Kills {@code child} at {@code moment}. The kill lands unless the child ended first; it was inside a write
     * when a write of this child is still in progress afterwards (nothing removes it once the writer is dead).
     */
    static Kill kill(CliProcess child, Moment moment, Path output, Watch watch) throws InterruptedException {
        // leftovers of earlier kills are not this child's writes
        Set<Path> earlier = matching(output, watch::inWrite);
        Predicate<Path> ownWrite = p -> watch.inWrite(p) && !earlier.contains(p);
        try {
            await(child, moment, output, watch, ownWrite);
        } catch (InterruptedException e) {
            child.kill9(); // the test timed out: leave no child running behind it
            throw e;
        }
        boolean landed = child.isAlive();
        child.kill9();
        return new Kill(moment, landed, landed && !matching(output, ownWrite).isEmpty());
    }

    /** Waits until {@code moment} has come for {@code child} (or it ended, or {@link CliProcess#MAX_SECONDS}). */
    private static void await(CliProcess child, Moment moment, Path output, Watch watch, Predicate<Path> ownWrite)
            throws InterruptedException {
        long deadline = System.nanoTime() + CliProcess.MAX_SECONDS * 1_000_000_000L;
        long target = watch.progress(output) + moment.units();
        while (child.isAlive() && System.nanoTime() < deadline && switch (moment.kind()) {
            case STARTING -> false;
            case WORKING -> watch.progress(output) < target;
            case IN_WRITE -> matching(output, ownWrite).isEmpty();
        }) {
            Thread.sleep(POLL_MILLIS);
        }
        Thread.sleep(moment.delayMillis());
    }

    /** The paths below {@code root} (not following links) that match. */
    static Set<Path> matching(Path root, Predicate<Path> test) {
        if (!Files.exists(root)) {
            return Set.of();
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(test).collect(Collectors.toSet());
        } catch (IOException | UncheckedIOException e) {
            return Set.of(); // a file vanished while listed: the writer renamed it, look again at the next poll
        }
    }

    /** How many paths below {@code root} match, for {@link Watch#progress}. */
    static long count(Path root, Predicate<Path> test) {
        return matching(root, test).size();
    }
}
