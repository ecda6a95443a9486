package dev.xpsr.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The PNG files of an output folder as a user sees them (hidden files left out), and the kill tests' checks on them. */
final class PngOutputs {
    /** For kill tests: writes in progress are temporary files of atomic PNG writes; progress is PNGs written. */
    static final KillSchedule.Watch WATCH = new KillSchedule.Watch() {
        @Override
        public boolean inWrite(Path p) {
            return isPngInProgress(p);
        }

        @Override
        public long progress(Path output) {
            return count(output);
        }
    };

    private PngOutputs() {
    }

    /** Every visible {@code .png} below {@code root}, by relative path, with its bytes. */
    static Map<Path, byte[]> read(Path root) {
        Map<Path, byte[]> pngs = new TreeMap<>();
        if (!Files.isDirectory(root)) {
            return pngs;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(p -> isVisiblePng(root, p)).toList()) {
                pngs.put(root.relativize(p), Files.readAllBytes(p));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pngs;
    }

    /** Visible PNGs below {@code root}: the progress a kill test counts. */
    static long count(Path root) {
        return KillSchedule.count(root, p -> isVisiblePng(root, p));
    }

    /** A temporary file of an atomic PNG write ({@code .<name>.png.<uuid>.tmp}). */
    static boolean isPngInProgress(Path p) {
        String name = p.getFileName().toString();
        return name.startsWith(".") && name.contains(".png.") && name.endsWith(".tmp");
    }

    /** Every visible PNG is complete: byte for byte the file of the same name the uninterrupted run wrote. */
    static void assertCompleteSubsetOf(Path root, Map<Path, byte[]> uninterrupted) {
        read(root).forEach((name, bytes) -> {
            assertThat(uninterrupted).as("%s was not written by the uninterrupted run", name).containsKey(name);
            assertThat(bytes).as("%s differs from the uninterrupted run's (a partial PNG?)", name)
                    .isEqualTo(uninterrupted.get(name));
        });
    }

    private static boolean isVisiblePng(Path root, Path p) {
        if (!p.getFileName().toString().endsWith(".png") || !Files.isRegularFile(p)) {
            return false;
        }
        for (Path part : root.relativize(p)) {
            if (part.toString().startsWith(".")) {
                return false;
            }
        }
        return true;
    }
}
