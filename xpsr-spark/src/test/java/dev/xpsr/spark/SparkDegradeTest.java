package dev.xpsr.spark;

import dev.xpsr.cli.Main;
import dev.xpsr.degrade.TrainingSetWriter.Status;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The degrade job in {@code local[2]} against {@code xpsr degrade} itself on copies of real photos: the same files
 * and bytes however the images are partitioned, the same skips and failures, and a resumed run that keeps what
 * exists.
 */
class SparkDegradeTest {
    private static final Path PHOTOS = Path.of(System.getProperty("xpsr.data", "../fixtures/data"))
            .resolve("images/hr");

    @TempDir
    static Path tmp;
    static Path hr;
    static SparkSession spark;
    /** What {@code xpsr degrade} wrote, relative path → bytes. */
    static Map<String, byte[]> command;

    /**
     * Four usable photos (one in a sub-folder), one file too small, one image with too few pixels, one truncated
     * PNG.
     */
    @BeforeAll
    static void prepare() throws Exception {
        spark = LocalSpark.session();
        hr = Files.createDirectories(tmp.resolve("hr/sub")).getParent();
        for (String photo : new String[] {"skimage_coffee.png", "opencv_baboon.png", "skimage_text.png",
                "skimage_chelsea.png"}) {
            Files.copy(PHOTOS.resolve(photo), hr.resolve(photo));
        }
        Files.copy(PHOTOS.resolve("opencv_fruits.png"), hr.resolve("sub/opencv_fruits.png"));
        Files.copy(PHOTOS.resolve("mpl_grace_hopper.png"), hr.resolve("sub/mpl_grace_hopper.png"));
        byte[] flower = Files.readAllBytes(PHOTOS.resolve("jxl_flower.png"));
        Files.write(hr.resolve("broken.png"), Arrays.copyOf(flower, 150_000));
        Path out = tmp.resolve("command");
        int code = Main.run("degrade", hr.toString(), "-o", out.toString(), "--workers", "2", "--threads", "1",
                "--seed", "11", "--count", "2", "--crop-size", "256");
        assertThat(code).as("one image fails").isEqualTo(1);
        command = files(out);
    }

    private static SparkDegrade.Summary run(Path out, int partitions) throws Exception {
        return SparkDegrade.run(spark, DegradeSettings.builder(hr.toString(), out.toUri().toString()).seed(11)
                .count(2).cropSize(256).partitions(partitions).build());
    }

    private static Map<String, byte[]> files(Path root) throws Exception {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(root.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return out;
    }

    @Test
    void writesTheCommandsFilesByteForByteForOneAndThreePartitions() throws Exception {
        assertThat(command).hasSize(4 * 2 * 2);
        for (int partitions : new int[] {1, 3}) {
            Path out = tmp.resolve("spark" + partitions);
            SparkDegrade.Summary s = run(out, partitions);
            assertThat(files(out)).as(partitions + " partitions").hasSameSizeAs(command)
                    .allSatisfy((name, bytes) -> assertThat(bytes).as(name).isEqualTo(command.get(name)));
            assertThat(s.written()).isEqualTo(8);
            assertThat(s.count(Status.SKIPPED)).isEqualTo(2);
            assertThat(s.outcomes()).filteredOn(o -> o.status() == Status.FAILED).singleElement()
                    .satisfies(o -> assertThat(o.detail()).contains("truncated PNG data"));
        }
    }

    @Test
    void aResumedRunKeepsEveryPairThatExists() throws Exception {
        Path out = tmp.resolve("resumed");
        run(out, 2);
        Path lr = out.resolve("LR/sub/opencv_fruits_1.png");
        FileTime written = Files.getLastModifiedTime(lr);
        Files.delete(out.resolve("HR/skimage_coffee_0.png"));

        SparkDegrade.Summary again = run(out, 2);

        assertThat(again.written()).as("the pair that lost its HR").isEqualTo(1);
        assertThat(again.existing()).isEqualTo(7);
        assertThat(Files.getLastModifiedTime(lr)).isEqualTo(written);
        assertThat(files(out)).allSatisfy((name, bytes) -> assertThat(bytes).as(name).isEqualTo(command.get(name)));
    }
}
