package dev.xpsr.api;

import dev.xpsr.io.ImageFileException;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import dev.xpsr.prompt.PromptStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Restores a list of image files into an output folder with an {@link Upscaler}: one bad file is reported and the
 * batch goes on; outputs are PNGs written atomically, carrying the method, prompts, seed and settings as text
 * chunks ({@link UpscaleResult#textChunks()}). Each image's request is built from the image and its name (the file
 * name without extension, which prompt folders and servers are asked with), then completed by the caller's
 * template (settings, prompts).
 */
public final class BatchUpscaler {
    private final Upscaler upscaler;
    private final UnaryOperator<UpscaleRequest.Builder> template;
    private final ImageFiles.ReadOptions readOptions;

    /** One input and what became of it. */
    public record Outcome(Path input, Path output, Status status, String message, double seconds,
                          Optional<UpscaleResult> result) {
    }

    public enum Status { WRITTEN, SKIPPED, FAILED }

    /** Progress callbacks for a user interface. */
    public interface Listener {
        default void imageStarted(Path input, int index, int total) {
        }

        default void progress(Progress progress) {
        }

        default void imageFinished(Outcome outcome) {
        }
    }

    /**
     * @param template completes each image's request (settings, prompts); it must not replace the listener, which
     *                 the batch sets to report progress
     */
    public BatchUpscaler(Upscaler upscaler, UnaryOperator<UpscaleRequest.Builder> template,
                         ImageFiles.ReadOptions readOptions) {
        this.upscaler = upscaler;
        this.template = template;
        this.readOptions = readOptions;
    }

    /**
     * Expands files and folders into the image files to process, in a stable order.
     *
     * @param recursive descend into sub-folders
     */
    public static List<Path> collectInputs(List<Path> inputs, boolean recursive) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path in : inputs) {
            if (Files.isDirectory(in)) {
                try (Stream<Path> s = recursive ? Files.walk(in) : Files.list(in)) {
                    s.filter(Files::isRegularFile).filter(ImageFiles::hasImageName).sorted().forEach(out::add);
                }
            } else if (Files.exists(in)) {
                out.add(in);
            } else {
                throw new IOException("input " + in + " does not exist");
            }
        }
        return out;
    }

    /** The output path of {@code input}: its name (relative to {@code root} for folder inputs) as PNG. */
    public static Path outputFor(Path input, Path root, Path outDir) {
        Path rel = root != null && input.startsWith(root) ? root.relativize(input) : input.getFileName();
        String name = rel.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String png = (dot > 0 ? name.substring(0, dot) : name) + ".png";
        Path parent = rel.getParent();
        return parent == null ? outDir.resolve(png) : outDir.resolve(parent).resolve(png);
    }

    /** Restores every input; {@code roots} maps each input to the folder it was found in (or null). */
    public List<Outcome> run(List<Path> inputs, Map<Path, Path> roots, Path outDir, boolean skipExisting,
                             Listener listener) {
        List<Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            Path input = inputs.get(i);
            Path output = outputFor(input, roots.get(input), outDir);
            Outcome outcome = skipExisting && Files.exists(output)
                    ? new Outcome(input, output, Status.SKIPPED, "output exists", 0, Optional.empty())
                    : restore(input, output, i, inputs.size(), listener);
            outcomes.add(outcome);
            listener.imageFinished(outcome);
        }
        return outcomes;
    }

    private Outcome restore(Path input, Path output, int index, int total, Listener listener) {
        long start = System.nanoTime();
        try {
            RgbImage lr = ImageFiles.read(input, readOptions);
            listener.imageStarted(input, index, total);
            UpscaleRequest request = template.apply(UpscaleRequest.builder(lr).name(PromptStore.nameOf(input)))
                    .listener(listener::progress).build();
            UpscaleResult result = upscaler.upscale(request);
            Files.createDirectories(output.getParent());
            ImageFiles.writePng(output, result.image(), result.textChunks());
            return new Outcome(input, output, Status.WRITTEN, "", seconds(start), Optional.of(result));
        } catch (CancellationException e) {
            throw e;
        } catch (ImageFileException e) {
            return failed(input, output, e.getMessage(), start);
        } catch (IOException | RuntimeException e) {
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            return failed(input, output, input + ": " + msg, start);
        }
    }

    private static Outcome failed(Path input, Path output, String message, long start) {
        return new Outcome(input, output, Status.FAILED, message, seconds(start), Optional.empty());
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
