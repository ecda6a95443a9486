package dev.xpsr.train;

import dev.xpsr.degrade.TrainingSetLayout;
import dev.xpsr.degrade.TrainingSetWriter;
import dev.xpsr.io.ImageFileException;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import dev.xpsr.prompt.PromptKind;
import dev.xpsr.prompt.PromptStore;
import dev.xpsr.torch.ImageTensors;
import dev.xpsr.torch.Torch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * XPSR's training pairs ({@code dataloader/localdataset.py}) in the layout {@code xpsr degrade} writes: a set is a
 * folder with {@code HR/} and {@code LR/} trees of the same files, and the root is one set (flat layout) or holds
 * {@code dataset_<k>/} sets (XPSR layout, taken in numeric order). Prompts mirror the HR tree:
 * {@code <set>/highlevel_prompt_GT/<rel>.txt} (falling back to {@code highlevel_prompt/}),
 * {@code <set>/lowlevel_prompt_q/<rel>.txt} and, for samples conditioned on the HR, {@code lowlevel_prompt_q_GT/}.
 *
 * <p>Per sample, in the reference's order: with probability {@code null_text_ratio} both prompts are empty;
 * with probability {@code original_image_ratio} the HR replaces the control image (and, when the prompts are
 * not dropped, the low-level prompt becomes the {@code _GT} one). A missing prompt file reads as "" (the reference
 * would stop). A pair whose images cannot be read, differ in size or are smaller than the crop is reported by
 * the caller and skipped. The ablation switches ({@link TrainingSwitches}) come after these draws, so XPSR's
 * own samples are the same with them off: an empty low-level text ({@code lowlevel_prompt_source}), and with
 * probability {@code negative_sample_ratio} a negative sample (the LR as control and as diffusion target, the
 * negative prompts as texts).
 */
public final class PairedDataset {
    /** One HR/LR pair on disk: its set folder and its path relative to {@code HR/}. */
    public record Pair(Path set, String relative, Path hr, Path lr) {
        /** The pair's id for messages: {@code dataset_3/sub/photo.png}. */
        public String id() {
            return set.getFileName() + "/" + relative;
        }
    }

    private final List<Pair> pairs;
    private final int missingLr;

    private PairedDataset(List<Pair> pairs, int missingLr) {
        this.pairs = List.copyOf(pairs);
        this.missingLr = missingLr;
    }

    /** Finds every pair under {@code root}; fails when there is none. */
    public static PairedDataset scan(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IOException("training data folder " + root + " does not exist");
        }
        List<Path> sets = TrainingSetLayout.sets(root);
        if (sets.isEmpty()) {
            throw new IOException("training data folder " + root + " has neither HR/ and LR/ nor dataset_<k>/ folders "
                    + "(run 'xpsr degrade' to make them)");
        }
        List<Pair> pairs = new ArrayList<>();
        int missing = 0;
        for (Path set : sets) {
            for (Path hr : images(set.resolve("HR"))) {
                String rel = set.resolve("HR").relativize(hr).toString().replace('\\', '/');
                Path lr = set.resolve("LR").resolve(rel);
                if (Files.isRegularFile(lr)) {
                    pairs.add(new Pair(set, rel, hr, lr));
                } else {
                    missing++;
                }
            }
        }
        if (pairs.isEmpty()) {
            throw new IOException("training data folder " + root + " holds no HR image with a matching LR image");
        }
        return new PairedDataset(pairs, missing);
    }

    public List<Pair> pairs() {
        return pairs;
    }

    public int size() {
        return pairs.size();
    }

    /** HR images without an LR file (left out at scan time). */
    public int missingLr() {
        return missingLr;
    }

    /**
     * Loads pair {@code index} with the per-sample draws of {@code seed}.
     *
     * @throws ImageFileException when an image cannot be read or the pair does not fit the crop
     */
    public TrainingSample load(int index, long seed, TrainConfig config) throws ImageFileException, IOException {
        Pair p = pairs.get(index);
        RgbImage hr = ImageFiles.read(p.hr());
        RgbImage lr = ImageFiles.read(p.lr());
        if (hr.width() != lr.width() || hr.height() != lr.height()) {
            throw new ImageFileException(p.lr(), ImageFileException.Reason.UNSUPPORTED, "is " + lr.width() + "x"
                    + lr.height() + " but its HR " + p.hr() + " is " + hr.width() + "x" + hr.height()
                    + "; the LR must be upsampled to the HR size");
        }
        int size = config.resolution();
        if (hr.width() < size || hr.height() < size) {
            throw new ImageFileException(p.hr(), ImageFileException.Reason.UNSUPPORTED, "is " + hr.width() + "x"
                    + hr.height() + ", smaller than resolution " + size);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        int x = rng.nextInt(hr.width() - size + 1);
        int y = rng.nextInt(hr.height() - size + 1);
        hr = hr.crop(x, y, size, size);
        lr = lr.crop(x, y, size, size);
        return draw(p, hr, lr, rng, config);
    }

    /** The reference's prompt and control-image draws for one sample. */
    private TrainingSample draw(Pair p, RgbImage hr, RgbImage lr, SplittableRandom rng, TrainConfig config)
            throws IOException {
        boolean original;
        String high;
        String low;
        if (rng.nextDouble() < config.nullTextRatio()) {
            high = "";
            low = "";
            original = rng.nextDouble() < config.originalImageRatio();
        } else {
            high = prompt(p, PromptKind.HIGH_LEVEL_GT);
            if (high == null) {
                high = prompt(p, PromptKind.HIGH_LEVEL);
            }
            low = prompt(p, PromptKind.LOW_LEVEL);
            original = rng.nextDouble() < config.originalImageRatio();
            if (original) {
                low = prompt(p, PromptKind.LOW_LEVEL_GT);
            }
        }
        if (config.highlevelPrompt().equals(TrainConfig.EMPTY)) {
            high = "";
        }
        TrainingSwitches switches = config.switches();
        if (!switches.lowlevelPromptSource().equals(TrainConfig.CAPTION)) {
            low = "";
        }
        boolean negative = switches.negativeSampleRatio() > 0 && rng.nextDouble() < switches.negativeSampleRatio();
        if (negative) {
            high = switches.negativePrompt();
            low = switches.lowlevelNegativePrompt();
        }
        var hrTensor = ImageTensors.toTensor(hr);
        var pixelValues = Torch.add(Torch.mul(hrTensor, 2.0), -1.0);
        var control = original && !negative ? hrTensor : ImageTensors.toTensor(lr);
        return new TrainingSample(p.id(), pixelValues, control, high == null ? "" : high, low == null ? "" : low,
                negative);
    }

    /** The prompt of {@code kind} for the pair, or null when its file does not exist. */
    private static String prompt(Pair p, PromptKind kind) throws IOException {
        String rel = p.relative();
        int dot = rel.lastIndexOf('.');
        Path file = p.set().resolve(kind.folder()).resolve((dot > 0 ? rel.substring(0, dot) : rel) + ".txt");
        return PromptStore.readFile(file).orElse(null);
    }

    /** Image files under {@code dir}, sorted by path, hidden ones left out. */
    private static List<Path> images(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile)
                    .filter(f -> !f.getFileName().toString().startsWith("."))
                    .filter(f -> TrainingSetWriter.EXTENSIONS.contains(extension(f)))
                    .sorted().toList();
        }
    }

    private static String extension(Path f) {
        String n = f.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
