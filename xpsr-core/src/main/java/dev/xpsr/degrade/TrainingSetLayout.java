package dev.xpsr.degrade;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where the pairs of one HR image go, and the seed of each.
 *
 * <p>A pair's name is the image's path under the HR folder without its extension ({@code sub/photo} for
 * {@code HR_DIR/sub/photo.jpg}), so sub-folders carry over as XPSR's {@code <subfolder>/} level does. Two layouts:
 * <ul>
 *   <li><b>flat</b> ({@code datasetIndex} null): {@code OUT/HR/<name>.png} and {@code OUT/LR/<name>.png}; with
 *       {@code count} &gt; 1, pair k is {@code <name>_<k>.png}, k = 0…count−1;</li>
 *   <li><b>XPSR</b> ({@code datasetIndex} d): pair k goes to {@code OUT/dataset_<d+k>/{HR,LR}/<name>.png}. This is
 *       the tree {@code make_train.py} writes ({@code trainset/dataset_<start_gpu·epochs+epoch>/{HR,LR}/…}, one
 *       folder per pass over the images) and {@code localdataset.py} reads ({@code dataset_0…59}); d plays the
 *       part of {@code start_gpu·epochs}, so runs on several machines can fill disjoint folders.</li>
 * </ul>
 *
 * <p>Seeds: pair j of image {@code name} (j = k in the flat layout, j = d+k in the XPSR one) gets
 * {@link #sampleSeed}(seed, name, j), a hash of the three. It does not depend on the file order, the worker that
 * runs it or which other images exist, so a resumed or re-split run draws exactly what one run would, and
 * {@code dataset_3} holds the same degradations whether it was made alone or with others.
 *
 * @param root         the output folder
 * @param datasetIndex the first {@code dataset_<d>} folder, or null for the flat layout
 * @param count        pairs per HR image
 * @param seed         the run's base seed
 */
public record TrainingSetLayout(Path root, Integer datasetIndex, int count, long seed) {
    /** Output file type. */
    public static final String EXTENSION = ".png";
    private static final Pattern DATASET_FOLDER = Pattern.compile("dataset_\\d+");

    /**
     * One pair's destination.
     *
     * @param index the pair's number j (the seed's third input)
     */
    public record Slot(int index, Path hr, Path lr, long seed) {
        /** Both files exist (a finished pair; each was written atomically). */
        public boolean done() {
            return Files.isRegularFile(hr) && Files.isRegularFile(lr);
        }
    }

    public TrainingSetLayout {
        Objects.requireNonNull(root, "root");
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1, got " + count);
        }
        if (datasetIndex != null && datasetIndex < 0) {
            throw new IllegalArgumentException("dataset index must be non-negative, got " + datasetIndex);
        }
    }

    /** The {@code count} slots of the image named {@code name} ('/'-separated, no extension). */
    public List<Slot> slots(String name) {
        List<Slot> out = new ArrayList<>(count);
        for (int k = 0; k < count; k++) {
            if (datasetIndex == null) {
                String file = (count == 1 ? name : name + "_" + k) + EXTENSION;
                out.add(new Slot(k, root.resolve("HR").resolve(file), root.resolve("LR").resolve(file),
                        sampleSeed(seed, name, k)));
            } else {
                int d = Math.addExact(datasetIndex, k);
                Path set = root.resolve("dataset_" + d);
                out.add(new Slot(d, set.resolve("HR").resolve(name + EXTENSION),
                        set.resolve("LR").resolve(name + EXTENSION), sampleSeed(seed, name, d)));
            }
        }
        return out;
    }

    /**
     * Whether {@code file} lies in an output folder of this layout ({@code OUT/HR}, {@code OUT/LR} or any
     * {@code OUT/dataset_<n>}), where a run must not look for HR images.
     */
    public boolean isOutput(Path file) {
        Path base = root.toAbsolutePath().normalize();
        Path p = file.toAbsolutePath().normalize();
        if (!p.startsWith(base) || p.equals(base)) {
            return false;
        }
        String top = base.relativize(p).getName(0).toString();
        return top.equals("HR") || top.equals("LR") || DATASET_FOLDER.matcher(top).matches();
    }

    /**
     * The sets of a training tree, as {@code localdataset.py} reads them: {@code root} itself when it holds
     * {@code HR/} (the flat layout), then its {@code dataset_<k>/} folders holding {@code HR/}, in numeric order.
     */
    public static List<Path> sets(Path root) throws IOException {
        List<Path> sets = new ArrayList<>();
        if (Files.isDirectory(root.resolve("HR"))) {
            sets.add(root);
        }
        try (Stream<Path> s = Files.list(root)) {
            s.filter(Files::isDirectory).filter(d -> DATASET_FOLDER.matcher(d.getFileName().toString()).matches()
                            && Files.isDirectory(d.resolve("HR")))
                    .sorted(Comparator.comparingLong(d -> Long.parseLong(d.getFileName().toString()
                            .substring("dataset_".length()))))
                    .forEach(sets::add);
        }
        return sets;
    }

    /** The pair name of {@code file} under {@code hrRoot}: its relative path, '/'-separated, extension dropped. */
    public static String pairName(Path hrRoot, Path file) {
        Path rel = hrRoot.relativize(file);
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < rel.getNameCount(); i++) {
            String part = rel.getName(i).toString();
            if (i == rel.getNameCount() - 1) {
                int dot = part.lastIndexOf('.');
                part = dot > 0 ? part.substring(0, dot) : part;
            }
            s.append(i == 0 ? "" : "/").append(part);
        }
        return s.toString();
    }

    /** The seed of pair {@code index} of image {@code name}: SplitMix64 finalisers over (seed, FNV-1a(name), index). */
    public static long sampleSeed(long seed, String name, int index) {
        long h = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return mix(mix(mix(seed) ^ h) + index);
    }

    private static long mix(long z) {
        z += 0x9e3779b97f4a7c15L;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
