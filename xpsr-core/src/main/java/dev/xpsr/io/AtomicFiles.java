package dev.xpsr.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * Atomic file replacement: content goes to a temporary file in the target's folder, is flushed to disk, then
 * renamed over the target, so a reader (or a crash) never sees a half-written file.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Something that writes the whole content to a stream. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    public static void writeString(Path target, String text) throws IOException {
        write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    public static void writeBytes(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes));
    }

    /** Writes through {@code writer} into a temporary sibling, fsyncs it, then moves it over {@code target}. */
    public static void write(Path target, Writer writer) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IOException("cannot write " + target + ": folder " + dir + " does not exist");
        }
        if (!Files.isWritable(dir)) {
            throw new IOException("cannot write " + target + ": folder " + dir + " is not writable");
        }
        // a fresh sibling with the process's normal permissions (createTempFile would make it owner-only)
        Path tmp = dir.resolve("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                writer.write(out);
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            move(tmp, target);
        } catch (IOException e) {
            throw failure(target, e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * A failed atomic write of {@code target}, named with its reason: the JDK's own message for a full disk or a
     * file size limit ("No space left on device", "File too large") names no file.
     */
    public static IOException failure(Path target, IOException e) {
        return new IOException("cannot write " + target + " (" + reason(e) + "); it is left as it was", e);
    }

    private static String reason(Throwable e) {
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        StringBuilder s = new StringBuilder();
        for (Throwable c = e; c != null; c = c.getCause()) {
            String m = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
            s.append(s.length() == 0 ? "" : ": ").append(m);
        }
        return s.toString();
    }

    /** Renames {@code tmp} over {@code target}, atomically where the file system allows. */
    public static void move(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
