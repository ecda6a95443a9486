package dev.xpsr.prompt;

import dev.xpsr.io.ImageFileException;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;

/**
 * Writes the prompt files of a folder of images into a {@link PromptStore}, one {@link Job} per prompt kind
 * (e.g. high-level from a server, low-level from the analyser).
 *
 * <p>Resumable: a prompt whose file exists is skipped unless overwriting. Fault-tolerant: a failure (unreadable
 * image, server error, ...) is recorded for that image and kind and the batch goes on; since every file is
 * written atomically, a failure or a crash never leaves a half-written prompt, and the next run retries exactly
 * what is missing. Images are processed by a fixed pool of threads; a server client adds its own concurrency
 * limit.
 */
public final class CaptionBatch {
    private static final Logger LOG = LoggerFactory.getLogger(CaptionBatch.class);
    /** File extensions taken as images (what {@link ImageFiles} reads). */
    public static final Set<String> IMAGE_EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif", "tif", "tiff");

    /** One prompt kind and where its text comes from. */
    public record Job(PromptKind kind, PromptSource source) {
    }

    /** An image and the name its prompts are stored under ({@link PromptStore#file}). */
    public record Target(Path image, String name) {
    }

    /** One prompt that could not be written. */
    public record Failure(Path image, PromptKind kind, String message) {
        @Override
        public String toString() {
            return image.getFileName() + " [" + kind.folder() + "]: " + message;
        }
    }

    /** What happened to one image. */
    public record ImageResult(Path image, List<Prompt> written, int skipped, List<Failure> failures) {
    }

    /** Told after every image, from the worker threads (so a progress bar can step). */
    @FunctionalInterface
    public interface Listener {
        void imageDone(ImageResult result);
    }

    /**
     * The totals of a run.
     *
     * @param images         images seen
     * @param written        prompt files written
     * @param skipped        prompt files already there (resume)
     * @param failures       every prompt not written, with why
     */
    public record Report(int images, int written, int skipped, List<Failure> failures) {
        /** The totals of two runs (e.g. the LR and the HR images of a training set). */
        public Report plus(Report other) {
            List<Failure> all = new ArrayList<>(failures);
            all.addAll(other.failures);
            return new Report(images + other.images, written + other.written, skipped + other.skipped,
                    Collections.unmodifiableList(all));
        }

        public String summary() {
            return String.format(Locale.ROOT, "%d images: %d prompt files written, %d already there, %d failed",
                    images, written, skipped, failures.size());
        }
    }

    private final PromptStore store;
    private final List<Job> jobs;
    private final boolean overwrite;
    private final int threads;

    public CaptionBatch(PromptStore store, List<Job> jobs, boolean overwrite, int threads) {
        if (jobs.isEmpty()) {
            throw new IllegalArgumentException("nothing to do: no prompt kind to write");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.store = store;
        this.jobs = List.copyOf(jobs);
        this.overwrite = overwrite;
        this.threads = threads;
    }

    /**
     * The image files in {@code folder} and its sub-folders, by path, each named by its path below
     * {@code folder} without the extension ({@code sub/photo}); hidden files and folders are left out.
     */
    public static List<Target> imagesUnder(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            throw new IOException(folder + " is not a folder");
        }
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(Files::isRegularFile).filter(CaptionBatch::isImage)
                    .filter(f -> !hiddenBelow(folder, f)).sorted()
                    .map(f -> new Target(f, nameBelow(folder, f))).toList();
        }
    }

    private static boolean hiddenBelow(Path folder, Path file) {
        for (Path part : folder.relativize(file)) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    /** {@code sub/photo} for {@code folder/sub/photo.png}. */
    private static String nameBelow(Path folder, Path file) {
        Path rel = folder.relativize(file);
        Path parent = rel.getParent();
        String stem = PromptStore.nameOf(rel);
        return parent == null ? stem : parent.toString().replace(rel.getFileSystem().getSeparator(), "/") + "/" + stem;
    }

    private static boolean isImage(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return !name.startsWith(".") && dot > 0
                && IMAGE_EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** Runs every job on every target; interrupting the calling thread stops the workers. */
    public Report run(List<Target> targets, Listener listener) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "caption-worker");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<ImageResult>> results = new ArrayList<>();
            for (Target target : targets) {
                results.add(pool.submit(() -> {
                    ImageResult result = process(target.image(), target.name());
                    listener.imageDone(result);
                    return result;
                }));
            }
            return collect(targets.size(), results);
        } finally {
            pool.shutdownNow();
        }
    }

    private static Report collect(int images, List<Future<ImageResult>> results) throws InterruptedException {
        int written = 0;
        int skipped = 0;
        List<Failure> failures = new ArrayList<>();
        for (Future<ImageResult> f : results) {
            try {
                ImageResult r = f.get();
                written += r.written().size();
                skipped += r.skipped();
                failures.addAll(r.failures());
            } catch (ExecutionException e) {
                // process() catches per prompt; only a listener's own bug lands here
                throw new IllegalStateException("a caption worker failed", e.getCause());
            }
        }
        return new Report(images, written, skipped, Collections.unmodifiableList(failures));
    }

    /** All pending prompts of one image; every failure is caught and recorded. */
    private ImageResult process(Path image, String name) {
        List<Job> pending = jobs.stream().filter(j -> overwrite || !store.has(j.kind(), name)).toList();
        int skipped = jobs.size() - pending.size();
        if (pending.isEmpty()) {
            return new ImageResult(image, List.of(), skipped, List.of());
        }
        RgbImage pixels;
        try {
            pixels = ImageFiles.read(image);
        } catch (ImageFileException | RuntimeException e) {
            List<Failure> all = pending.stream().map(j -> new Failure(image, j.kind(), messageOf(e))).toList();
            return new ImageResult(image, List.of(), skipped, all);
        }
        List<Prompt> written = new ArrayList<>();
        List<Failure> failures = new ArrayList<>();
        for (Job job : pending) {
            try {
                written.add(write(job, name, pixels));
            } catch (PromptException | IOException | RuntimeException e) {
                LOG.debug("{} [{}] failed", image, job.kind(), e);
                failures.add(new Failure(image, job.kind(), messageOf(e)));
            }
        }
        return new ImageResult(image, written, skipped, failures);
    }

    private Prompt write(Job job, String name, RgbImage pixels) throws PromptException, IOException {
        Optional<Prompt> prompt = job.source().prompt(name, pixels);
        if (prompt.isEmpty()) {
            throw new PromptException(job.source().describe() + " has no prompt for " + name);
        }
        // a stored prompt is one line; a folder source may hand back XPSR's trailing line break
        String text = prompt.get().text().replace('\n', ' ').replace('\r', ' ').strip();
        store.write(job.kind(), name, text);
        return prompt.get();
    }

    private static String messageOf(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
