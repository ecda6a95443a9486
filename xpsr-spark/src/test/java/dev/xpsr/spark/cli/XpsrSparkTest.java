package dev.xpsr.spark.cli;

import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import dev.xpsr.pipeline.PilResize;
import dev.xpsr.spark.LocalSpark;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code spark-submit} command line: exit codes, summaries, and option errors that say what to fix. */
class XpsrSparkTest {
    private static final Path PHOTOS = Path.of(System.getProperty("xpsr.data", "../fixtures/data"))
            .resolve("images/hr");

    @TempDir
    static Path tmp;

    private record Run(int code, String out, String err) {
    }

    @BeforeAll
    static void session() {
        // the commands take the session that is already there, as spark-submit's driver does
        LocalSpark.session();
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = XpsrSpark.commandLine().setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true));
        return new Run(cl.execute(args), out.toString(), err.toString());
    }

    @Test
    void upscaleRestoresTheFolderListsTheBadImageAndExitsWithOne() throws Exception {
        Path in = Files.createDirectories(tmp.resolve("in"));
        RgbImage coffee = ImageFiles.read(PHOTOS.resolve("skimage_coffee.png"));
        ImageFiles.writePng(in.resolve("coffee.png"), PilResize.resize(coffee.crop(200, 100, 128, 128), 32, 32));
        Files.writeString(in.resolve("notes.png"), "not an image");
        Path out = tmp.resolve("out");

        Run r = run("upscale", in.toString(), "-o", out.toString(), "--method", "bicubic-pil");

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.out()).contains("1 written, 0 skipped, 1 failed", "failed: file:" + in.resolve("notes.png"));
        assertThat(ImageFiles.read(out.resolve("coffee.png")).width()).isEqualTo(128);
    }

    @Test
    void optionErrorsNameTheOptionAndExitWithTwo() {
        Run preset = run("degrade", tmp.toString(), "-o", tmp.resolve("pairs").toString(), "--preset", "nope");
        assertThat(preset.code()).isEqualTo(2);
        assertThat(preset.err()).contains("nope");

        Run remote = run("eval", "--hr", "s3a://bucket/hr", "--sr", tmp.toString());
        assertThat(remote.code()).isEqualTo(2);
        assertThat(remote.err()).contains("HR folder s3a://bucket/hr", "mount it at the same path on every executor");
    }
}
