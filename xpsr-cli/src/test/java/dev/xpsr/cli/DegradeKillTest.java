package dev.xpsr.cli;

import dev.xpsr.torch.NativeStartup;
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
 * {@code xpsr degrade} killed with SIGKILL at 20 seeded moments (while starting, after some pairs, inside PNG
 * writes), rerun each time: no visible PNG is ever partial or differs from the uninterrupted run's, and the last
 * rerun completes the set byte for byte. A file size limit standing for a full disk fails the images it hits with
 * a clear error and leaves the pairs already written intact.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES) // CI ends even if a child hangs; a series takes 1-3 min on 2 busy cores
class DegradeKillTest {
    private static final long SEED = 20_261_208L;
    private static final int KILLS = 20;
    private static final List<String> PHOTOS = List.of("skimage_coffee.png", "opencv_fruits.png",
            "skimage_astronaut.png", "opencv_baboon.png", "mpl_grace_hopper.png", "skimage_rocket.png",
            "opencv_building.png", "skimage_chelsea.png", "opencv_squirrel_cls.png", "skimage_brick.png");

    @TempDir
    static Path tmp;
    static Path photos;
    static Map<Path, byte[]> uninterrupted;

    @BeforeAll
    static void prepare() throws Exception {
        NativeStartup.ensureStarted(1);
        photos = Files.createDirectories(tmp.resolve("photos"));
        Path fixtures = Path.of(System.getProperty("xpsr.data", "../fixtures/data")).resolve("images/hr");
        for (String photo : PHOTOS) {
            Files.copy(fixtures.resolve(photo), photos.resolve(photo));
        }
        Path log = tmp.resolve("uninterrupted.log");
        assertThat(CliProcess.run(log, degrade(tmp.resolve("uninterrupted")))).as("%s", Files.readString(log)).isZero();
        uninterrupted = PngOutputs.read(tmp.resolve("uninterrupted"));
        assertThat(uninterrupted).hasSize(PHOTOS.size() * 3 * 2);
    }

    @Test
    void noPartialPngSurvivesAKillAndARerunCompletesTheSet() throws Exception {
        Path out = tmp.resolve("killed");
        Path log = tmp.resolve("killed.log");
        KillRun run = KillRun.repeat("degrade-kills", KillSchedule.draw(SEED, KILLS, 3_000, 100), log, out,
                PngOutputs.WATCH, () -> degrade(out), () -> PngOutputs.assertCompleteSubsetOf(out, uninterrupted));

        assertThat(PngOutputs.read(out)).containsOnlyKeys(uninterrupted.keySet());
        PngOutputs.assertCompleteSubsetOf(out, uninterrupted);
        run.finish(String.format("no visible PNG partial after any kill; the rerun completed all %d PNGs byte for byte", uninterrupted.size()));
    }

    @Test
    void aFullDiskFailsTheImagesItHitsClearlyAndKeepsThePairsWritten() throws Exception {
        Path out = tmp.resolve("full-disk");
        for (Map.Entry<Path, byte[]> e : uninterrupted.entrySet()) {
            if (e.getKey().getFileName().toString().startsWith("skimage_coffee")) {
                Files.createDirectories(out.resolve(e.getKey()).getParent());
                Files.write(out.resolve(e.getKey()), e.getValue());
            }
        }
        Map<Path, byte[]> before = PngOutputs.read(out);
        long smallestPngKiB = uninterrupted.values().stream().mapToLong(b -> b.length / 1024).min().orElseThrow();
        Path log = tmp.resolve("full-disk.log");

        int code = CliProcess.runLimited(log, smallestPngKiB / 2, degrade(out));

        String output = Files.readString(log);
        assertThat(code).as(output).isEqualTo(1);
        assertThat(output).contains("pairs already present (kept): 3", "images failed: " + (PHOTOS.size() - 1),
                "cannot write the PNG (I/O error writing PNG file!: File too large); nothing was written");
        assertThat(PngOutputs.read(out)).containsOnlyKeys(before.keySet());
        PngOutputs.assertCompleteSubsetOf(out, before);
    }

    private static String[] degrade(Path out) {
        return new String[] {"degrade", photos.toString(), "-o", out.toString(), "--crop-size", "192", "--count", "3",
            "--seed", "3", "--min-pixels", "0", "--min-file-kb", "0", "--workers", "1", "--threads", "1"};
    }
}
