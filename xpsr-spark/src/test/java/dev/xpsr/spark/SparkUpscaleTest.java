package dev.xpsr.spark;

import dev.xpsr.api.Method;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import dev.xpsr.pipeline.PilResize;
import dev.xpsr.pipeline.UpscaleOptions;
import dev.xpsr.testing.TinyXpsrModels;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The upscale job in {@code local[2]} on crops of real photos, restored by XPSR with a tiny random-weight model set
 * (the pipeline golden fixture's configs): the same bytes for 1, 2 and 4 partitions, a rerun that skips what is
 * done, and a task that breaks while writing an output and is retried without a duplicate or a partial file.
 */
class SparkUpscaleTest {
    private static final Path PHOTOS = Path.of(System.getProperty("xpsr.data", "../fixtures/data"))
            .resolve("images/hr");
    private static final List<String> RESTORED = List.of("chelsea.png", "coffee.png", "sub/astronaut.png",
            "sub/rocket.png");
    private static final String BROKEN = "sub/broken.png";

    @TempDir
    static Path tmp;
    static TinyXpsrModels.Folders models;
    static Path input;
    static SparkSession spark;
    /** The one-partition run, and its outputs: relative path → bytes. */
    static Run first;
    static Map<String, byte[]> reference;

    @BeforeAll
    static void prepare() throws Exception {
        spark = LocalSpark.session();
        models = TinyXpsrModels.write(tmp.resolve("models"), 5);
        input = Files.createDirectories(tmp.resolve("in/sub"));
        input = input.getParent();
        lr("skimage_chelsea.png", 120, 30, "chelsea.png");
        lr("skimage_coffee.png", 200, 100, "coffee.png");
        lr("skimage_astronaut.png", 180, 60, "sub/astronaut.png");
        lr("skimage_rocket.png", 300, 200, "sub/rocket.png");
        byte[] png = Files.readAllBytes(input.resolve("coffee.png"));
        Files.write(input.resolve(BROKEN), Arrays.copyOf(png, png.length / 2));
        first = run(input.toString(), tmp.resolve("p1"), 1);
        reference = outputs(first.outputRoot());
    }

    /** A 48×36 LR crop of a real photo (a 192×144 region downscaled ×4 with Pillow's bicubic). */
    private static void lr(String photo, int x, int y, String name) throws Exception {
        RgbImage hr = ImageFiles.read(PHOTOS.resolve(photo));
        ImageFiles.writePng(input.resolve(name), PilResize.resize(hr.crop(x, y, 192, 144), 48, 36));
    }

    private record Run(Path outputRoot, SparkUpscale.Summary summary) {
    }

    private static Run run(String in, Path out, int partitions) throws Exception {
        return run(settings(in, out.toString(), partitions).build(), out);
    }

    private static UpscaleSettings.Builder settings(String in, String out, int partitions) {
        return UpscaleSettings.builder(Method.XPSR).input(in).output(out).xpsrWeights(models.xpsr().toString())
                .baseModel(models.sd15().toString()).seed(3).partitions(partitions)
                .options(UpscaleOptions.builder().steps(2).processSize(64).build());
    }

    private static Run run(UpscaleSettings settings, Path outLocal) throws Exception {
        return new Run(outLocal, SparkUpscale.run(spark, settings));
    }

    /** Every visible file under {@code root}, relative path → bytes. */
    private static Map<String, byte[]> outputs(Path root) throws Exception {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                String rel = root.relativize(p).toString();
                if (!HadoopFiles.hidden(rel)) {
                    out.put(rel, Files.readAllBytes(p));
                }
            }
        }
        return out;
    }

    private static Map<String, Row> byRelativePath(SparkUpscale.Summary s) {
        Map<String, Row> rows = new TreeMap<>();
        for (Row r : s.rows().collectAsList()) {
            assertThat(rows.put(r.getAs("relative_path"), r)).as("one row per image").isNull();
        }
        return rows;
    }

    @Test
    void restoresEveryImageWithItsOwnSeedAndTheSameBytesForOneTwoAndFourPartitions() throws Exception {
        assertThat(reference.keySet()).containsExactlyElementsOf(RESTORED);
        Map<String, Row> rows = Map.of();
        for (int partitions : new int[] {2, 4}) {
            Run r = run(input.toString(), tmp.resolve("p" + partitions), partitions);
            assertThat(outputs(r.outputRoot())).as(partitions + " partitions").hasSameSizeAs(reference)
                    .allSatisfy((name, bytes) -> assertThat(bytes).as(name).isEqualTo(reference.get(name)));
            assertThat(r.summary().written()).isEqualTo(RESTORED.size());
            assertThat(r.summary().failed()).isEqualTo(1);
            rows = byRelativePath(r.summary());
        }
        for (String name : RESTORED) {
            Row row = rows.get(name);
            long seed = UpscaleInputs.seedFor(3, name);
            assertThat(row.<Long>getAs("seed")).isEqualTo(seed);
            Map<String, String> text = ImageFiles.readPngText(tmp.resolve("p1").resolve(name));
            assertThat(text.get("xpsr:seed")).isEqualTo(Long.toString(seed));
            assertThat(row.<String>getAs("settings")).isEqualTo(text.get("xpsr:settings"));
            assertThat(row.<String>getAs("prompt_source")).isEqualTo(text.get("xpsr:prompt_source"));
            assertThat(row.<Integer>getAs("width")).isEqualTo(192);
            assertThat(row.<Double>getAs("restore_seconds")).isPositive();
        }
        Row broken = rows.get(BROKEN);
        assertThat(broken.<String>getAs("status")).isEqualTo(UpscaleRows.FAILED);
        assertThat(broken.<String>getAs("error")).contains("broken.png", "truncated PNG data");
        assertThat(rows.values().stream().map(r -> r.<Long>getAs("seed")).distinct()).hasSize(RESTORED.size() + 1);
    }

    @Test
    void aRerunSkipsTheFinishedOutputsAndAppendsItsOwnRun() throws Exception {
        FileTime written = Files.getLastModifiedTime(first.outputRoot().resolve("sub/rocket.png"));
        Run second = run(input.toString(), first.outputRoot(), 2);

        assertThat(second.summary().written()).isZero();
        assertThat(second.summary().skipped()).isEqualTo(RESTORED.size());
        assertThat(second.summary().failed()).isEqualTo(1);
        assertThat(Files.getLastModifiedTime(first.outputRoot().resolve("sub/rocket.png"))).isEqualTo(written);
        assertThat(outputs(second.outputRoot())).hasSameSizeAs(reference);
        assertThat(second.summary().runId()).isNotEqualTo(first.summary().runId());
        assertThat(spark.read().parquet(second.summary().table()).groupBy(UpscaleRows.RUN_ID).count().count())
                .isEqualTo(2);
    }

    @Test
    void aTaskThatBreaksWhileWritingIsRetriedWithoutDuplicateRowsOrPartialFiles() throws Exception {
        Path out = tmp.resolve("flaky-out");
        FlakyFileSystem.failNthTemporaryFile(2);
        Run r = run(settings(FlakyFileSystem.uri(input), FlakyFileSystem.uri(out), 2)
                .table(tmp.resolve("flaky-table").toString()).build(), out);

        assertThat(FlakyFileSystem.failures()).isEqualTo(1);
        Map<String, Row> rows = byRelativePath(r.summary());
        assertThat(rows).hasSize(RESTORED.size() + 1);
        assertThat(rows.values().stream().filter(row -> Integer.valueOf(1).equals(row.getAs("task_attempt"))))
                .as("rows of the retried task").isNotEmpty();
        assertThat(r.summary().written()).isEqualTo(RESTORED.size());
        assertThat(outputs(out)).hasSameSizeAs(reference)
                .allSatisfy((name, bytes) -> assertThat(bytes).as(name).isEqualTo(reference.get(name)));
        try (Stream<Path> s = Files.walk(out)) {
            assertThat(s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList()).isEmpty();
        }
    }

    @Test
    void aManifestGivesImagesTheirOwnPromptsAndSeedsAndRefusesRowsItCannotUse() throws Exception {
        Path manifest = tmp.resolve("manifest.csv");
        Files.writeString(manifest, String.join("\n", "path,prompt,lowlevel_prompt,seed",
                "chelsea.png,a ginger cat,,17",
                "sub/rocket.png,,The image is noisy.,",
                "coffee.png,,,seven",
                "/elsewhere/photo.png,,,", ""));
        Path out = tmp.resolve("from-manifest");
        Run r = run(settings(null, out.toString(), 2).manifest(manifest.toString()).root(input.toString()).build(),
                out);

        Map<String, Row> rows = byRelativePath(r.summary());
        assertThat(rows.get("chelsea.png").<Long>getAs("seed")).isEqualTo(17);
        Map<String, String> cat = ImageFiles.readPngText(out.resolve("chelsea.png"));
        assertThat(cat.get("xpsr:prompt")).startsWith("a ginger cat");
        assertThat(cat.get("xpsr:seed")).isEqualTo("17");
        Map<String, String> rocket = ImageFiles.readPngText(out.resolve("sub/rocket.png"));
        assertThat(rocket.get("xpsr:lowlevel_prompt")).isEqualTo("The image is noisy.");
        assertThat(rocket.get("xpsr:seed")).isEqualTo(Long.toString(UpscaleInputs.seedFor(3, "sub/rocket.png")));
        assertThat(rows.get("coffee.png").<String>getAs("error")).contains("row 3", "seed 'seven' is not an integer");
        assertThat(rows.get("/elsewhere/photo.png").<String>getAs("error")).contains("row 4", "outside the root");
        assertThat(r.summary().written()).isEqualTo(2);
        assertThat(r.summary().failed()).isEqualTo(2);
    }
}
