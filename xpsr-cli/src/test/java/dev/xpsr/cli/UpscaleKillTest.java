package dev.xpsr.cli;

import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code xpsr upscale --skip-existing} over 40 images killed with SIGKILL at 20 seeded moments (while starting,
 * after some images, inside PNG writes), rerun each time: no visible output is ever partial or differs from the
 * uninterrupted run's, and the last rerun completes the set byte for byte. A file size limit standing for a full
 * disk fails every image with a clear error and leaves the previous outputs intact. The bicubic method keeps each
 * image short; skipping and writing do not depend on the method.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES) // CI ends even if a child hangs; a series takes 1-3 min on 2 busy cores
class UpscaleKillTest {
    private static final long SEED = 20_261_209L;
    private static final int KILLS = 20;
    private static final int IMAGES = 40;
    private static final List<String> PHOTOS = List.of("skimage_coffee.png", "opencv_fruits.png",
            "skimage_astronaut.png", "opencv_baboon.png");

    @TempDir
    static Path tmp;
    static Path inputs;
    static Map<Path, byte[]> uninterrupted;

    /** 40 LR images of 96×72, crops of real photos at different places. */
    @BeforeAll
    static void prepare() throws Exception {
        inputs = Files.createDirectories(tmp.resolve("lr"));
        Path fixtures = Path.of(System.getProperty("xpsr.data", "../fixtures/data")).resolve("images/hr");
        for (int i = 0; i < IMAGES; i++) {
            RgbImage photo = ImageFiles.read(fixtures.resolve(PHOTOS.get(i % PHOTOS.size())));
            int x = (i * 37) % (photo.width() - 96);
            int y = (i * 23) % (photo.height() - 72);
            ImageFiles.writePng(inputs.resolve(String.format("photo_%02d.png", i)), photo.crop(x, y, 96, 72));
        }
        Path log = tmp.resolve("uninterrupted.log");
        assertThat(CliProcess.run(log, upscale(tmp.resolve("uninterrupted"), true))).as("%s", Files.readString(log))
                .isZero();
        uninterrupted = PngOutputs.read(tmp.resolve("uninterrupted"));
        assertThat(uninterrupted).hasSize(IMAGES);
    }

    @Test
    void noPartialPngSurvivesAKillAndARerunCompletesTheSet() throws Exception {
        Path out = tmp.resolve("killed");
        Path log = tmp.resolve("killed.log");
        KillRun run = KillRun.repeat("upscale-kills", KillSchedule.draw(SEED, KILLS, 2_000, 50), log, out,
                PngOutputs.WATCH, () -> upscale(out, true), () -> PngOutputs.assertCompleteSubsetOf(out, uninterrupted));

        assertThat(PngOutputs.read(out)).containsOnlyKeys(uninterrupted.keySet());
        PngOutputs.assertCompleteSubsetOf(out, uninterrupted);
        run.finish(String.format("no visible PNG partial after any kill; the rerun with --skip-existing completed all %d outputs byte for byte", uninterrupted.size()));
    }

    @Test
    void aFullDiskFailsEveryImageClearlyAndLeavesThePreviousOutputsIntact() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("full-disk"));
        for (Map.Entry<Path, byte[]> e : uninterrupted.entrySet()) {
            Files.write(out.resolve(e.getKey()), e.getValue());
        }
        long smallestPngKiB = uninterrupted.values().stream().mapToLong(b -> b.length / 1024).min().orElseThrow();
        Path log = tmp.resolve("full-disk.log");

        int code = CliProcess.runLimited(log, smallestPngKiB / 2, upscale(out, false));

        String output = Files.readString(log);
        assertThat(code).as(output).isEqualTo(1);
        assertThat(output).contains("cannot write the PNG (I/O error writing PNG file!: File too large); nothing was"
                + " written");
        assertThat(PngOutputs.read(out)).containsOnlyKeys(uninterrupted.keySet());
        PngOutputs.assertCompleteSubsetOf(out, uninterrupted);
    }

    private static String[] upscale(Path out, boolean skipExisting) {
        return skipExisting
                ? new String[] {"upscale", inputs.toString(), "-o", out.toString(), "--method", "bicubic-pil",
                    "--threads", "1", "--skip-existing"}
                : new String[] {"upscale", inputs.toString(), "-o", out.toString(), "--method", "bicubic-pil",
                    "--threads", "1"};
    }
}
