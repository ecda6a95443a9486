package dev.xpsr.cli.serve;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code xpsr serve} as a separate process, started the way the launcher starts it ({@code dev.xpsr.cli.Main}) on a
 * free loopback port, with one ATen thread (no OpenMP barriers to stall on a shared machine). Its output goes to a
 * file, not a pipe, so nothing is lost when the test kills it.
 */
final class ServeProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on (http://\\S+)");
    private final Process process;
    private final Path log;
    private final URI url;

    private ServeProcess(Process process, Path log, URI url) {
        this.process = process;
        this.log = log;
        this.url = url;
    }

    /** Starts {@code xpsr serve --port 0 --data DATA --threads 1 ARGS...} and waits until it listens. */
    static ServeProcess start(Path data, List<String> args) throws IOException, InterruptedException {
        return start(data, args, List.of());
    }

    /** As {@link #start(Path, List)}, with {@code NAME=VALUE} environment variables added. */
    static ServeProcess start(Path data, List<String> args, List<String> environment)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx768m",
                "-Dxpsr.data=" + System.getProperty("xpsr.data"), "-cp", System.getProperty("java.class.path"),
                "dev.xpsr.cli.Main", "serve", "--port", "0", "--data", data.toString(), "--threads", "1"));
        command.addAll(args);
        Files.createDirectories(data);
        Path log = Files.createTempFile(data.getParent(), "serve-", ".log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("MALLOC_MMAP_THRESHOLD_", "131072");
        for (String kv : environment) {
            pb.environment().put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        Process p = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            Matcher m = LISTENING.matcher(Files.readString(log));
            if (m.find()) {
                return new ServeProcess(p, log, URI.create(m.group(1)));
            }
            if (!p.isAlive()) {
                throw new IllegalStateException("xpsr serve exited with " + p.exitValue() + ":\n"
                        + Files.readString(log));
            }
            Thread.sleep(100);
        }
        p.destroyForcibly();
        throw new IllegalStateException("xpsr serve did not listen within 120 s:\n" + Files.readString(log));
    }

    /** Runs {@code xpsr serve ARGS...} expecting it to refuse to start; returns its exit code and output. */
    static Exit refusal(Path data, List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-cp", System.getProperty("java.class.path"),
                "dev.xpsr.cli.Main", "serve", "--data", data.toString()));
        command.addAll(args);
        Files.createDirectories(data);
        Path log = Files.createTempFile(data.getParent(), "refusal-", ".log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("xpsr serve " + args + " neither started nor refused within 120 s");
        }
        return new Exit(p.exitValue(), Files.readString(log));
    }

    record Exit(int code, String output) {
    }

    URI url() {
        return url;
    }

    ApiClient client() {
        return new ApiClient(url);
    }

    /** Kills the server at once (SIGKILL): nothing of it runs after this, as in a crash or power cut. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(60, TimeUnit.SECONDS);
    }

    /** Asks the server to stop (SIGTERM, as Ctrl-C or a service manager does) and waits for it. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("xpsr serve did not stop within 120 s of SIGTERM");
        }
    }

    /** The server's peak resident set so far ({@code VmHWM} of {@code /proc/<pid>/status}), in bytes. */
    long peakRssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmHWM in /proc/" + process.pid() + "/status");
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command().orElse("java");
    }
}
