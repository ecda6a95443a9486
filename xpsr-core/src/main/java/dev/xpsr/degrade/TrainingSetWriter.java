package dev.xpsr.degrade;

import dev.xpsr.io.ImageFileException;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Turns the HR files of a folder into training pairs on disk, one file at a time: the per-image loop of XPSR's
 * {@code make_train.py}, made resumable and fault-tolerant.
 *
 * <p>For one file: reject it when too small on disk (before decoding) — unless every pair already exists, skip it
 * ({@code make_train.py} also skips a pair whose LR and HR both exist) — decode it, reject it when too few pixels,
 * then make each missing pair with {@link TrainingPairMaker} and write the LR, then the HR, each atomically
 * ({@link ImageFiles#writePng}: temporary file, fsync, rename). A pair with only one file (a run killed between
 * the two writes) is made again. Every problem becomes an {@link Outcome}; nothing is thrown, so one bad file
 * never stops a batch. Safe to call from several threads, each on its own files.
 */
public final class TrainingSetWriter {
    /** Image file extensions picked up in the HR folder (lower case). */
    public static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "tif", "tiff");

    /** How one HR file ended. */
    public enum Status {
        /** Usable: its missing pairs were written (possibly none, when all existed). */
        DONE,
        /** Not used (too small); {@link Outcome#detail()} says why. */
        SKIPPED,
        /** Could not be read, degraded or written; {@link Outcome#detail()} says why. */
        FAILED
    }

    /**
     * An HR file and its pair name.
     *
     * @param conflictsWith an earlier file with the same pair name (e.g. a.png beside a.jpg), or null
     */
    public record Source(Path file, String name, Path conflictsWith) {
    }

    /**
     * The result for one HR file.
     *
     * @param written  pairs written now
     * @param existing pairs found complete and left alone
     * @param detail   the skip reason or failure message; empty when done
     */
    public record Outcome(Source source, Status status, int written, int existing, String detail) {
    }

    private final TrainingPairMaker maker;
    private final TrainingSetLayout layout;
    private final ImageFiles.ReadOptions readOptions;

    public TrainingSetWriter(TrainingPairMaker maker, TrainingSetLayout layout, ImageFiles.ReadOptions readOptions) {
        this.maker = Objects.requireNonNull(maker, "maker");
        this.layout = Objects.requireNonNull(layout, "layout");
        this.readOptions = Objects.requireNonNull(readOptions, "readOptions");
    }

    public TrainingSetLayout layout() {
        return layout;
    }

    /**
     * The image files under {@code hrRoot} (recursively, sorted by path), leaving out hidden files and folders and
     * the output folders of {@code layout} (in case they lie inside the HR folder). A file whose pair name repeats
     * an earlier one's is returned with {@link Source#conflictsWith} set.
     */
    public static List<Source> findSources(Path hrRoot, TrainingSetLayout layout) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(hrRoot)) {
            files = walk.filter(Files::isRegularFile)
                    .filter(p -> !hidden(hrRoot.relativize(p)))
                    .filter(p -> EXTENSIONS.contains(extension(p)))
                    .filter(p -> !layout.isOutput(p))
                    .sorted()
                    .toList();
        }
        Map<String, Path> first = new HashMap<>();
        List<Source> out = new ArrayList<>(files.size());
        for (Path f : files) {
            String name = TrainingSetLayout.pairName(hrRoot, f);
            Path earlier = first.putIfAbsent(name, f);
            out.add(new Source(f, name, earlier));
        }
        return out;
    }

    /** Makes and writes the missing pairs of one file. */
    public Outcome process(Source source) {
        if (source.conflictsWith() != null) {
            return failed(source, 0, 0, "same pair name '" + source.name() + "' as " + source.conflictsWith()
                    + "; rename one of them");
        }
        List<TrainingSetLayout.Slot> pending = new ArrayList<>();
        int existing = 0;
        try {
            Optional<String> small = maker.rejectFile(Files.size(source.file()));
            if (small.isPresent()) {
                return new Outcome(source, Status.SKIPPED, 0, 0, small.get());
            }
            for (TrainingSetLayout.Slot slot : layout.slots(source.name())) {
                if (slot.done()) {
                    existing++;
                } else {
                    pending.add(slot);
                }
            }
            if (pending.isEmpty()) {
                return new Outcome(source, Status.DONE, 0, existing, "");
            }
            RgbImage gt = ImageFiles.read(source.file(), readOptions);
            small = maker.rejectImage(gt.width(), gt.height());
            if (small.isPresent()) {
                return new Outcome(source, Status.SKIPPED, 0, 0, small.get() + " (" + gt.width() + "x"
                        + gt.height() + ")");
            }
            int written = 0;
            for (TrainingSetLayout.Slot slot : pending) {
                try {
                    write(source, slot, maker.make(gt, slot.seed()));
                    written++;
                } catch (IOException | RuntimeException e) {
                    return failed(source, written, existing, message(source, e));
                }
            }
            return new Outcome(source, Status.DONE, written, existing, "");
        } catch (IOException | RuntimeException e) {
            return failed(source, 0, existing, message(source, e));
        }
    }

    private void write(Source source, TrainingSetLayout.Slot slot, TrainingPairMaker.Pair pair) throws IOException {
        Files.createDirectories(slot.lr().getParent());
        Files.createDirectories(slot.hr().getParent());
        String origin = String.format(Locale.ROOT, "preset=%s seed=%d source=%s", maker.preset().name(),
                slot.seed(), source.name());
        ImageFiles.writePng(slot.lr(), pair.lr(), text(origin + " | " + pair.params().describe()));
        ImageFiles.writePng(slot.hr(), pair.hr(), text(origin + String.format(Locale.ROOT,
                " | flip=%b crop=%d,%d sharpened=%b", pair.flipped(), pair.cropX(), pair.cropY(),
                maker.preset().sharpenGt())));
    }

    private static Map<String, String> text(String comment) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("Software", "xpsr degrade");
        m.put("Comment", comment);
        return m;
    }

    private static Outcome failed(Source source, int written, int existing, String why) {
        return new Outcome(source, Status.FAILED, written, existing, why);
    }

    /** The exception's message, without the path prefix when it names the source file itself. */
    private static String message(Source source, Exception e) {
        String prefix = source.file() + ": ";
        if (e instanceof ImageFileException && e.getMessage().startsWith(prefix)) {
            return e.getMessage().substring(prefix.length());
        }
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    private static boolean hidden(Path relative) {
        for (Path part : relative) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private static String extension(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
