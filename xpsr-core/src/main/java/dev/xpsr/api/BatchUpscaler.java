package dev.xpsr.pipeline;

import dev.xpsr.io.ImageFileException;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Restores a list of image files into an output folder: one bad file is reported and the batch goes on; outputs
 * are PNGs written atomically, carrying the prompts, seed and settings as text chunks. The per-image prompts come
 * from a {@link PromptResolver}.
 */
public final class BatchUpscaler {
    /** File name extensions read as images. */
    public static final List<String> IMAGE_EXTENSIONS = List.of("png", "jpg", "jpeg", "bmp", "gif", "tif", "tiff",
            "webp");

    private final XpsrPipeline pipeline;
    private final UpscaleOptions options;
    private final PromptResolver prompts;
    private final ImageFiles.ReadOptions readOptions;

    /** Chooses the prompts of one image and says where they came from. */
    @FunctionalInterface
    public interface PromptResolver {
        ResolvedPrompts resolve(Path image, RgbImage lr) throws IOException;
    }

    /** Prompts for one image and a short description of their source (shown to the user). */
    public record ResolvedPrompts(Prompts prompts, String source) {
    }

    /** One input and what became of it. */
    public record Outcome(Path input, Path output, Status status, String message, double seconds) {
    }

    public enum Status { WRITTEN, SKIPPED, FAILED }

    /** Progress callbacks for a user interface. */
    public interface Listener {
        default void imageStarted(Path input, int index, int total, ResolvedPrompts prompts) {
        }

        default void step(int index, int total) {
        }

        default void imageFinished(Outcome outcome) {
        }
    }

    public BatchUpscaler(XpsrPipeline pipeline, UpscaleOptions options, PromptResolver prompts,
                         ImageFiles.ReadOptions readOptions) {
        this.pipeline = pipeline;
        this.options = options;
        this.prompts = prompts;
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
                    s.filter(Files::isRegularFile).filter(BatchUpscaler::isImageName).sorted().forEach(out::add);
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
                    ? new Outcome(input, output, Status.SKIPPED, "output exists", 0)
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
            ResolvedPrompts p = prompts.resolve(input, lr);
            listener.imageStarted(input, index, total, p);
            XpsrPipeline.Result result = pipeline.upscale(lr, p.prompts(), options,
                    (step, steps, t, eps, z) -> listener.step(step, steps));
            Files.createDirectories(output.getParent());
            ImageFiles.writePng(output, result.image(), metadata(p));
            return new Outcome(input, output, Status.WRITTEN, "", seconds(start));
        } catch (ImageFileException e) {
            return new Outcome(input, output, Status.FAILED, e.getMessage(), seconds(start));
        } catch (IOException | RuntimeException e) {
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            return new Outcome(input, output, Status.FAILED, input + ": " + msg, seconds(start));
        }
    }

    /** The PNG text chunks: everything needed to reproduce the output. */
    Map<String, String> metadata(ResolvedPrompts p) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("Software", "xpsr-java");
        m.put("xpsr:prompt", p.prompts().positive());
        m.put("xpsr:negative_prompt", p.prompts().negative());
        m.put("xpsr:lowlevel_prompt", p.prompts().lowlevel());
        m.put("xpsr:lowlevel_negative_prompt", p.prompts().lowlevelNegative());
        m.put("xpsr:prompt_source", p.source());
        m.put("xpsr:seed", Long.toString(options.seed()));
        m.put("xpsr:settings", options.toString());
        m.put("xpsr:placement", pipeline.models().placement().toString());
        return m;
    }

    private static boolean isImageName(Path p) {
        String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
        int dot = name.lastIndexOf('.');
        return dot > 0 && IMAGE_EXTENSIONS.contains(name.substring(dot + 1));
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
