package dev.xpsr.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code xpsr} command line running in a child JVM with the test classpath, for tests that kill it with
 * SIGKILL or limit the size of the files it may write ({@code ulimit -f}, which the JVM turns into "File too
 * large" errors). Its output goes to a file, not a pipe: a pipe read by the parent loses the last lines of a
 * killed child (docs/RELIABILITY.md).
 */
final class CliProcess {
    /** Bounds every wait on a child, so that a hung child fails the test instead of hanging the build. */
    static final long MAX_SECONDS = 300;

    private final Process process;
    private final Path log;

    private CliProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts {@code xpsr args...} with output appended to {@code log}. */
    static CliProcess start(Path log, String... args) {
        return start(log, 0, args);
    }

    /**
     * Starts {@code xpsr args...} in a child whose files may not grow beyond {@code maxFileKiB} KiB (0: no limit),
     * with output appended to {@code log}.
     */
    static CliProcess start(Path log, long maxFileKiB, String... args) {
        List<String> java = javaCommand(args);
        List<String> command = maxFileKiB <= 0 ? java
                : List.of("bash", "-c", "ulimit -f " + maxFileKiB + " && exec \"$@\"", "xpsr-limited");
        if (maxFileKiB > 0) {
            command = new ArrayList<>(command);
            command.addAll(java);
        }
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            return new CliProcess(p, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    /** Runs {@code xpsr args...} to its end and returns its exit code. */
    static int run(Path log, String... args) throws InterruptedException {
        return start(log, args).waitFor();
    }

    /** Runs {@code xpsr args...} under a file size limit to its end and returns its exit code. */
    static int runLimited(Path log, long maxFileKiB, String... args) throws InterruptedException {
        return start(log, maxFileKiB, args).waitFor();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL, as {@code kill -9}; waits until the child is gone. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(MAX_SECONDS, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the child survived SIGKILL for " + MAX_SECONDS + " s");
        }
    }

    /** The exit code, waiting at most {@link #MAX_SECONDS}; a child that takes longer is killed and fails. */
    int waitFor() throws InterruptedException {
        boolean finished;
        try {
            finished = process.waitFor(MAX_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            process.destroyForcibly(); // the test timed out: leave no child running behind it
            throw e;
        }
        if (!finished) {
            kill9();
            throw new IllegalStateException("xpsr did not finish within " + MAX_SECONDS + " s; output:\n" + output());
        }
        return process.exitValue();
    }

    /** Everything the child wrote so far. */
    String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    private static List<String> javaCommand(String... args) {
        List<String> c = new ArrayList<>();
        c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        c.add("-Xss8m");
        c.add("-XX:+UseSerialGC");
        c.add("-XX:TieredStopAtLevel=1");
        c.add("-XX:-UsePerfData"); // no hsperfdata file, which a file size limit would also hit
        String cache = System.getProperty("org.bytedeco.javacpp.cachedir");
        if (cache != null) {
            c.add("-Dorg.bytedeco.javacpp.cachedir=" + cache);
        }
        c.add("-cp");
        c.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        c.add(Main.class.getName());
        c.addAll(List.of(args));
        return c;
    }
}
