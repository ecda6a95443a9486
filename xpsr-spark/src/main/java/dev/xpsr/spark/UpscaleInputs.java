package dev.xpsr.spark;

import dev.xpsr.degrade.TrainingSetLayout;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The images of an upscale run, listed in the driver: the image files of a folder or glob, or the rows of a
 * manifest. Each image is named by its path relative to the folder (or to the manifest's root), which gives its
 * output, {@code <output>/<relative path without extension>.png}, and its seed,
 * {@link TrainingSetLayout#sampleSeed}(base seed, relative path, 0) unless the manifest gives one — so an image's
 * result depends on neither the partitioning nor the retries nor the other images. A manifest row that cannot be
 * used, and an image whose output another image already takes (a.jpg beside a.png), is refused with the reason.
 */
final class UpscaleInputs {
    /** Manifest columns. */
    static final String PATH = "path";
    static final String PROMPT = "prompt";
    static final String LOWLEVEL_PROMPT = "lowlevel_prompt";
    static final String SEED = "seed";

    private UpscaleInputs() {
    }

    /** Every image of the run, sorted by relative path, with its output. */
    static List<UpscaleItem> collect(SparkSession spark, UpscaleSettings s) throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        List<UpscaleItem> items = new ArrayList<>();
        if (s.input() != null) {
            for (HadoopFiles.Found f : HadoopFiles.listImages(s.input(), conf)) {
                items.add(new UpscaleItem(f.uri(), f.relative(), null, seedFor(s.seed(), f.relative()), null, null,
                        null));
            }
        } else {
            items.addAll(fromManifest(spark, s, conf));
        }
        items.sort(Comparator.comparing(UpscaleItem::relative));
        Path output = new Path(s.output());
        return withOutputs(items, output.getFileSystem(conf).makeQualified(output).toString());
    }

    /** The seed of the image at {@code relative} in a run with base seed {@code base}. */
    static long seedFor(long base, String relative) {
        return TrainingSetLayout.sampleSeed(base, relative, 0);
    }

    private static List<UpscaleItem> fromManifest(SparkSession spark, UpscaleSettings s, Configuration conf)
            throws IOException {
        String manifest = s.manifest();
        Dataset<Row> table = manifest.toLowerCase(Locale.ROOT).endsWith(".csv")
                ? spark.read().option("header", "true").csv(manifest) : spark.read().parquet(manifest);
        List<String> columns = Arrays.asList(table.columns());
        if (!columns.contains(PATH)) {
            throw new IllegalArgumentException("manifest " + manifest + " has no '" + PATH + "' column (its columns: "
                    + String.join(", ", columns) + "); optional columns: " + PROMPT + ", " + LOWLEVEL_PROMPT + ", "
                    + SEED);
        }
        Path given = s.root() != null ? new Path(s.root()) : new Path(manifest).getParent();
        Path root = given.getFileSystem(conf).makeQualified(given);
        List<UpscaleItem> items = new ArrayList<>();
        int row = 0;
        for (Row r : table.collectAsList()) {
            row++;
            items.add(fromRow(r, columns, root, s.seed(), conf, manifest + " row " + row));
        }
        return items;
    }

    private static UpscaleItem fromRow(Row r, List<String> columns, Path root, long baseSeed, Configuration conf,
                                       String where) throws IOException {
        String path = text(r, columns, PATH);
        if (path == null || path.isBlank()) {
            return new UpscaleItem(where, where, null, 0, null, null, "empty " + PATH);
        }
        Path p = new Path(path);
        Path file = p.isAbsolute() || p.toUri().getScheme() != null ? p : new Path(root, p);
        FileSystem fs = file.getFileSystem(conf);
        String uri = fs.makeQualified(file).toString();
        String relative = HadoopFiles.relative(root, fs.makeQualified(file));
        String caption = text(r, columns, PROMPT);
        String lowlevel = text(r, columns, LOWLEVEL_PROMPT);
        if (relative.startsWith("/") || new Path(relative).toUri().getScheme() != null) {
            return new UpscaleItem(uri, path, null, 0, caption, lowlevel, where + ": " + path + " is outside the "
                    + "root " + root + "; give a root that contains every path");
        }
        String seedText = text(r, columns, SEED);
        long seed;
        try {
            seed = seedText == null || seedText.isBlank() ? seedFor(baseSeed, relative)
                    : Long.parseLong(seedText.trim());
        } catch (NumberFormatException e) {
            return new UpscaleItem(uri, relative, null, 0, caption, lowlevel, where + ": " + SEED + " '" + seedText
                    + "' is not an integer");
        }
        return new UpscaleItem(uri, relative, null, seed, caption, lowlevel, null);
    }

    private static String text(Row r, List<String> columns, String column) {
        if (!columns.contains(column)) {
            return null;
        }
        Object v = r.get(r.fieldIndex(column));
        return v == null ? null : v.toString();
    }

    /** Each usable image's output; a later image whose output an earlier one takes is refused. */
    private static List<UpscaleItem> withOutputs(List<UpscaleItem> items, String output) {
        Map<String, String> taken = new HashMap<>();
        List<UpscaleItem> out = new ArrayList<>(items.size());
        for (UpscaleItem item : items) {
            if (item.refusal() != null) {
                out.add(item);
                continue;
            }
            String target = output + "/" + outputName(item.relative());
            String first = taken.putIfAbsent(target, item.input());
            out.add(first == null ? item.withOutput(target) : item.withRefusal("same output " + target + " as "
                    + first + "; rename one of them"));
        }
        return out;
    }

    /** {@code a/b.jpg} → {@code a/b.png}. */
    static String outputName(String relative) {
        int slash = relative.lastIndexOf('/');
        int dot = relative.lastIndexOf('.');
        return (dot > slash + 1 ? relative.substring(0, dot) : relative) + ".png";
    }
}
