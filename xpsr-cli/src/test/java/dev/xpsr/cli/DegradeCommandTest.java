package dev.xpsr.cli;

import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code xpsr degrade} end to end on temporary copies of real photos. */
class DegradeCommandTest {
    @TempDir
    Path tmp;

    private record Run(int code, String out, String err) {
    }

    private static Path photos() {
        return Path.of(System.getProperty("xpsr.data", "../fixtures/data")).resolve("images/hr");
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new DegradeCommand()).setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /**
     * hr/skimage_coffee.png (600x400, usable), hr/sub/opencv_fruits.png (512x480, usable), hr/skimage_text.png
     * (42 KB: too small a file), hr/skimage_chelsea.png (451x300: too few pixels), hr/broken.png (a truncated PNG).
     */
    private Path hrFolder() throws Exception {
        Path hr = Files.createDirectories(tmp.resolve("hr"));
        Files.createDirectories(hr.resolve("sub"));
        Files.copy(photos().resolve("skimage_coffee.png"), hr.resolve("skimage_coffee.png"));
        Files.copy(photos().resolve("opencv_fruits.png"), hr.resolve("sub/opencv_fruits.png"));
        Files.copy(photos().resolve("skimage_text.png"), hr.resolve("skimage_text.png"));
        Files.copy(photos().resolve("skimage_chelsea.png"), hr.resolve("skimage_chelsea.png"));
        byte[] flower = Files.readAllBytes(photos().resolve("jxl_flower.png"));
        Files.write(hr.resolve("broken.png"), Arrays.copyOf(flower, 150_000));
        return hr;
    }

    private static List<Path> files(Path root) throws Exception {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).map(root::relativize).sorted().toList();
        }
    }

    private static void assert512(Path png) throws Exception {
        RgbImage img = ImageFiles.read(png);
        assertThat(img.width()).as(png.toString()).isEqualTo(512);
        assertThat(img.height()).as(png.toString()).isEqualTo(512);
    }

    @Test
    void writesPairsSkipsSmallImagesReportsTheCorruptFileAndResumesWithoutRewriting() throws Exception {
        Path hr = hrFolder();
        Path out = tmp.resolve("out");
        Run first = run(hr.toString(), "-o", out.toString(), "--workers", "2", "--threads", "1");

        assertThat(first.code()).as(first.out() + first.err()).isEqualTo(1);
        // exactly the four PNGs: nothing else, in particular no temporary files of the atomic writes
        assertThat(files(out)).containsExactly(Path.of("HR/skimage_coffee.png"), Path.of("HR/sub/opencv_fruits.png"),
                Path.of("LR/skimage_coffee.png"), Path.of("LR/sub/opencv_fruits.png"));
        for (Path f : files(out)) {
            assert512(out.resolve(f));
        }
        assertThat(ImageFiles.readPngText(out.resolve("LR/skimage_coffee.png")).get("Comment"))
                .startsWith("preset=seesr seed=").contains("source=skimage_coffee", "stage1: blur");
        assertThat(first.out()).contains("pairs written: 2", "pairs already present (kept): 0",
                "images skipped: 2", "file under 102400 bytes: 1", "image under 147456 pixels: 1",
                "images failed: 1", "broken.png: truncated PNG data");
        FileTime written = Files.getLastModifiedTime(out.resolve("LR/skimage_coffee.png"));
        byte[] lr = Files.readAllBytes(out.resolve("LR/skimage_coffee.png"));

        Run again = run(hr.toString(), "-o", out.toString(), "--workers", "2", "--threads", "1");
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.out()).contains("pairs written: 0", "pairs already present (kept): 2", "images failed: 1");
        assertThat(files(out)).hasSize(4);
        assertThat(Files.getLastModifiedTime(out.resolve("LR/skimage_coffee.png"))).isEqualTo(written);
        assertThat(Files.readAllBytes(out.resolve("LR/skimage_coffee.png"))).isEqualTo(lr);

        Files.delete(hr.resolve("broken.png"));
        Run clean = run(hr.toString(), "-o", out.toString());
        assertThat(clean.code()).as(clean.out()).isZero();
        assertThat(clean.out()).contains("images failed: 0");
    }

    @Test
    void datasetIndexWritesXpsrsDatasetFoldersAndEachFolderHasTheSameDegradationHoweverTheRunIsSplit()
            throws Exception {
        Path hr = Files.createDirectories(tmp.resolve("hr"));
        Files.copy(photos().resolve("skimage_coffee.png"), hr.resolve("skimage_coffee.png"));
        Path both = tmp.resolve("both");
        Path second = tmp.resolve("second");

        // 256 crops keep the test quick; the layout does not depend on the size
        Run a = run(hr.toString(), "-o", both.toString(), "--dataset-index", "3", "--count", "2",
                "--seed", "11", "--crop-size", "256");
        Run b = run(hr.toString(), "-o", second.toString(), "--dataset-index", "4", "--seed", "11",
                "--crop-size", "256");

        assertThat(a.code()).as(a.out() + a.err()).isZero();
        assertThat(b.code()).as(b.out() + b.err()).isZero();
        assertThat(files(both)).containsExactly(Path.of("dataset_3/HR/skimage_coffee.png"),
                Path.of("dataset_3/LR/skimage_coffee.png"), Path.of("dataset_4/HR/skimage_coffee.png"),
                Path.of("dataset_4/LR/skimage_coffee.png"));
        assertThat(ImageFiles.read(second.resolve("dataset_4/LR/skimage_coffee.png")))
                .isEqualTo(ImageFiles.read(both.resolve("dataset_4/LR/skimage_coffee.png")));
        assertThat(ImageFiles.read(both.resolve("dataset_3/LR/skimage_coffee.png")))
                .isNotEqualTo(ImageFiles.read(both.resolve("dataset_4/LR/skimage_coffee.png")));
    }

    @Test
    void flatLayoutNumbersThePairsWhenCountIsAboveOne() throws Exception {
        Path hr = Files.createDirectories(tmp.resolve("hr"));
        Files.copy(photos().resolve("opencv_fruits.png"), hr.resolve("fruits.png"));
        Path out = tmp.resolve("out");
        Run r = run(hr.toString(), "-o", out.toString(), "--count", "2", "--preset", "xpsr-params");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(files(out)).containsExactly(Path.of("HR/fruits_0.png"), Path.of("HR/fruits_1.png"),
                Path.of("LR/fruits_0.png"), Path.of("LR/fruits_1.png"));
        assertThat(r.out()).contains("pairs written: 2", "pairs/s per core");
    }

    @Test
    void badArgumentsExitWithTheUsageCodeAndSayWhatIsWrong() throws Exception {
        Path hr = Files.createDirectories(tmp.resolve("hr"));
        Run preset = run(hr.toString(), "-o", tmp.resolve("o").toString(), "--preset", "bsrgan");
        assertThat(preset.code()).isEqualTo(2);
        assertThat(preset.err()).contains("unknown degradation preset 'bsrgan'",
                "seesr, realesrgan-x4plus, xpsr-params");
        Run missing = run(tmp.resolve("nope").toString(), "-o", tmp.resolve("o").toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("is not a folder");
        Run noWorkers = run(hr.toString(), "-o", tmp.resolve("o").toString(), "--workers", "0");
        assertThat(noWorkers.code()).isEqualTo(2);
        assertThat(noWorkers.err()).contains("--workers");
        Run empty = run(hr.toString(), "-o", tmp.resolve("o").toString());
        assertThat(empty.code()).isEqualTo(1);
        assertThat(empty.err()).contains("no image files");
    }
}
