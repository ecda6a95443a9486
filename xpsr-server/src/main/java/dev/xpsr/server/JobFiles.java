package dev.xpsr.server;

import dev.xpsr.api.UpscaleResult;
import dev.xpsr.io.AtomicFiles;
import dev.xpsr.io.ImageFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The jobs' files under {@code <data>/jobs/<id>/}: the upload as it came ({@code input.png}, {@code input.jpg},
 * ...) and the result ({@code result.png}). Both are written atomically (a temporary sibling, fsynced, renamed), so
 * a killed server leaves a complete file or none. The upload is on disk before the job's row is committed, and the
 * row is deleted before the folder, so a crash between the two leaves only a folder without a job, which
 * {@link #removeStrays} deletes at the next start.
 */
public final class JobFiles {
    static final String RESULT = "result.png";
    private final Path jobs;

    public JobFiles(Path dataDir) {
        this.jobs = dataDir.resolve("jobs");
        try {
            Files.createDirectories(jobs);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the jobs folder " + jobs + ": " + e.getMessage(), e);
        }
    }

    /** Writes an upload into a new job folder; returns its file name there. */
    public String writeInput(String id, byte[] bytes, String extension) throws IOException {
        String name = "input." + extension;
        AtomicFiles.writeBytes(Files.createDirectories(folder(id)).resolve(name), bytes);
        return name;
    }

    public Path input(JobRecord job) {
        return folder(job.id()).resolve(job.inputFile());
    }

    public Path result(String id) {
        return folder(id).resolve(RESULT);
    }

    /** Writes the restored image with its text chunks (prompts, seed, settings), atomically. */
    public void writeResult(String id, UpscaleResult result) throws IOException {
        ImageFiles.writePng(result(id), result.image(), result.textChunks());
    }

    /** Deletes a job's folder and everything in it. */
    public void delete(String id) throws IOException {
        Path dir = folder(id);
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Deletes the folders of jobs the database does not hold (a crash between writing an upload and its row). */
    public int removeStrays(Set<String> knownIds) throws IOException {
        int removed = 0;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(jobs)) {
            for (Path dir : dirs) {
                String id = dir.getFileName().toString();
                if (!knownIds.contains(id)) {
                    delete(id);
                    removed++;
                }
            }
        }
        return removed;
    }

    private Path folder(String id) {
        if (!JobIds.isValid(id)) {
            throw new IllegalArgumentException("not a job id: '" + id + "'");
        }
        return jobs.resolve(id);
    }
}
