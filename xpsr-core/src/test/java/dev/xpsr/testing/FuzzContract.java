package dev.xpsr.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * What every fuzz harness checks of a parser given hostile input (docs/RELIABILITY.md): it returns a result or
 * throws its documented exception with a message a user can act on ({@link #resultOrRefusal}). Anything else
 * (another exception, an {@link Error} such as {@code OutOfMemoryError} or {@code StackOverflowError}, a hang)
 * escapes the harness and is reported by Jazzer as a finding; so does a refusal whose message does not name the
 * input.
 *
 * <p>Harnesses write each input to a file of a scratch folder (parsers read files, as users give them), one
 * folder per harness, reused across executions and deleted when the JVM exits.
 */
public final class FuzzContract {
    /** Between the files of a multi-file input: a line no format here uses. */
    public static final byte[] SEPARATOR = "\n--8<-- next file --8<--\n".getBytes(StandardCharsets.US_ASCII);

    private FuzzContract() {
    }

    /** A fresh scratch folder for one harness; {@link #clear} empties it between executions. */
    public static Path scratch(String harness) {
        try {
            Path dir = Files.createTempDirectory("xpsr-fuzz-" + harness + "-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code bytes} to {@code dir/name}, replacing an earlier input. */
    public static Path write(Path dir, String name, byte[] bytes) {
        try {
            Path file = dir.resolve(name);
            Files.createDirectories(file.getParent());
            return Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Splits an input holding several files (a model.json and its shard, a vocabulary and its merges) at
     * {@link #SEPARATOR} into exactly {@code n} parts, missing ones empty, so that a seed is the real files joined
     * by the separator line and the fuzzer may still move bytes across the boundaries.
     */
    public static byte[][] parts(byte[] input, int n) {
        byte[][] out = new byte[n][];
        int start = 0;
        for (int i = 0; i < n; i++) {
            int end = i < n - 1 ? indexOf(input, SEPARATOR, start) : -1;
            out[i] = Arrays.copyOfRange(input, start, end < 0 ? input.length : end);
            start = end < 0 ? input.length : end + SEPARATOR.length;
        }
        return out;
    }

    /** Deletes everything inside {@code dir}, keeping the folder. */
    public static void clear(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).filter(p -> !p.equals(dir)).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs {@code parse} as the contract says: its result is returned; an exception of the {@code documented} type
     * is an accepted refusal (null is returned) when its message names one of {@code subjects} (the file, the
     * server); any other exception, or a refusal naming none of them, fails the execution, which Jazzer reports as
     * a finding.
     */
    public static <T> T resultOrRefusal(Callable<T> parse, Class<? extends Exception> documented, Object... subjects)
            throws Exception {
        return resultOrRefusal(parse, List.of(documented), subjects);
    }

    /** {@link #resultOrRefusal(Callable, Class, Object...)} for a parser with several documented exceptions. */
    public static <T> T resultOrRefusal(Callable<T> parse, List<Class<? extends Exception>> documented,
            Object... subjects) throws Exception {
        try {
            return parse.call();
        } catch (Exception e) {
            if (documented.stream().noneMatch(type -> type.isInstance(e))) {
                throw e;
            }
            String message = e.getMessage();
            if (message == null || Arrays.stream(subjects).map(String::valueOf).noneMatch(message::contains)) {
                throw new AssertionError("a refusal that names none of " + Arrays.toString(subjects) + ": " + e, e);
            }
            return null;
        }
    }

    /** The regular files under {@code dir}, for checks that nothing was written elsewhere. */
    public static List<Path> files(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int indexOf(byte[] data, byte[] pattern, int from) {
        outer:
        for (int i = from; i <= data.length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static void deleteTree(Path dir) {
        if (Files.exists(dir)) {
            clear(dir);
            try {
                Files.deleteIfExists(dir);
            } catch (IOException ignored) {
                // best effort at exit
            }
        }
    }
}
