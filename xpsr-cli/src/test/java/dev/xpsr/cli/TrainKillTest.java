package dev.xpsr.cli;

import dev.xpsr.io.CheckpointFiles;
import dev.xpsr.model.Pretrained;
import dev.xpsr.testing.TinyXpsrModels;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.train.TrainingCheckpoint;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code xpsr train} killed with SIGKILL at 20 seeded moments, half of them inside checkpoint writes, each time
 * resumed with {@code --resume}: after every kill every visible checkpoint is complete and the one {@code latest}
 * names loads; the run finally logs the losses of the uninterrupted run. The tiny XPSR models write a checkpoint
 * at every step, so that there are writes to interrupt.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES) // CI ends even if a child hangs; a series takes 1-3 min on 2 busy cores
class TrainKillTest {
    private static final long SEED = 20_261_207L;
    private static final int KILLS = 20;
    /** Enough for 20 lives of at most a few steps each (KillSchedule counts progress in logged steps). */
    private static final int STEPS = 50;

    @TempDir
    static Path tmp;
    static Path uninterruptedLog;

    @BeforeAll
    static void prepare() throws Exception {
        NativeStartup.ensureStarted(1);
        Path hr = Files.createDirectories(tmp.resolve("photos"));
        Path photos = Path.of(System.getProperty("xpsr.data", "../fixtures/data")).resolve("images/hr");
        Files.copy(photos.resolve("skimage_coffee.png"), hr.resolve("coffee.png"));
        Files.copy(photos.resolve("skimage_chelsea.png"), hr.resolve("chelsea.png"));
        assertThat(Main.run("degrade", hr.toString(), "-o", tmp.resolve("trainset").toString(), "--crop-size", "80",
                "--min-pixels", "0", "--min-file-kb", "0", "--workers", "1", "--threads", "1")).isZero();
        TinyXpsrModels.write(tmp.resolve("models"), 5);
        Path log = tmp.resolve("uninterrupted.log");
        assertThat(CliProcess.run(log, train(config("uninterrupted", STEPS), false))).as("%s", Files.readString(log))
                .isZero();
        uninterruptedLog = tmp.resolve("runs/uninterrupted/logs/train_log.csv");
    }

    @Test
    void everyKillLeavesLoadableCheckpointsAndTheResumedRunHasTheUninterruptedLosses() throws Exception {
        Path config = config("killed", STEPS);
        Path out = tmp.resolve("runs/killed");
        Path log = tmp.resolve("killed.log");
        KillRun run = KillRun.repeat("train-kills", KillSchedule.draw(SEED, KILLS, 4_000, 300), log, out, WATCH,
                () -> train(config, hasCheckpoint(out)), () -> assertCheckpointsComplete(out));

        assertThat(Files.readAllLines(out.resolve("logs/train_log.csv")))
                .containsExactlyElementsOf(Files.readAllLines(uninterruptedLog));
        assertCheckpointsComplete(out);
        run.finish("every visible checkpoint complete and latest loadable after each kill; the resumed run's " + STEPS
                + " logged steps equal the uninterrupted run's");
    }

    @Test
    void aFullDiskDuringACheckpointIsAClearErrorAndLatestStaysLoadable() throws Exception {
        Path out = tmp.resolve("runs/full-disk");
        Path log = tmp.resolve("full-disk.log");
        assertThat(CliProcess.run(log, train(config("full-disk", 2), false))).as("%s", Files.readString(log)).isZero();
        Path checkpoint = out.resolve("checkpoint-2");
        long smallestWeightsKiB;
        try (Stream<Path> s = Files.walk(checkpoint)) {
            smallestWeightsKiB = s.filter(p -> p.toString().endsWith(".safetensors")).mapToLong(p -> p.toFile()
                    .length() / 1024).min().orElseThrow();
        }

        int code = CliProcess.runLimited(log, smallestWeightsKiB / 2, train(config("full-disk", 4), true));

        String output = Files.readString(log);
        assertThat(code).as(output).isEqualTo(2);
        assertThat(output).contains("\ntrain: checkpoint checkpoint-3 was not written: cannot write "
                + out.resolve(".checkpoint-3"), "(File too large)", "'latest' are unchanged");
        assertThat(TrainingCheckpoint.latest(out)).isEqualTo(checkpoint);
        assertLoads(checkpoint);
        assertThat(out.resolve("checkpoint-3")).doesNotExist();
    }

    private static String[] train(Path config, boolean resume) {
        List<String> args = new ArrayList<>(List.of("train", "--config", config.toString(), "--threads", "1"));
        if (resume) {
            args.add("--resume");
        }
        return args.toArray(String[]::new);
    }

    private static boolean hasCheckpoint(Path out) throws IOException {
        return TrainingCheckpoint.latest(out) != null;
    }

    /** Writes in progress: a checkpoint's hidden temporary folder (or one being discarded); progress: logged steps. */
    private static final KillSchedule.Watch WATCH = new KillSchedule.Watch() {
        @Override
        public boolean inWrite(Path p) {
            return p.getFileName().toString().startsWith(".checkpoint-");
        }

        @Override
        public long progress(Path out) {
            try (Stream<String> lines = Files.lines(out.resolve("logs/train_log.jsonl"))) {
                return lines.count();
            } catch (IOException | java.io.UncheckedIOException notYet) {
                return 0;
            }
        }
    };

    /** Every visible checkpoint folder holds a loadable checkpoint, and {@code latest}, when present, names one. */
    private static void assertCheckpointsComplete(Path out) throws IOException {
        Path latest = TrainingCheckpoint.latest(out);
        if (latest != null) {
            assertThat(latest).isDirectory();
        }
        if (!Files.isDirectory(out)) {
            return;
        }
        try (Stream<Path> s = Files.list(out)) {
            for (Path checkpoint : s.filter(p -> p.getFileName().toString().matches("checkpoint-\\d+")).toList()) {
                assertLoads(checkpoint);
            }
        }
    }

    private static void assertLoads(Path checkpoint) throws IOException {
        assertThat(TrainingCheckpoint.readState(checkpoint).step()).isPositive();
        Pretrained.xpsrControlNet(checkpoint.resolve("controlnet"), null);
        Pretrained.xpsrUnet(checkpoint.resolve("unet"), null);
        try (CheckpointFiles optimizer = CheckpointFiles.open(checkpoint.resolve(TrainingCheckpoint.OPTIMIZER_FILE))) {
            optimizer.keys().forEach(optimizer::floats);
        }
    }

    private static Path config(String run, int steps) throws IOException {
        Path config = tmp.resolve(run + ".yaml");
        Files.writeString(config, """
                pretrained_model_name_or_path: models/sd15
                xpsr_model_path: models/xpsr
                train_data_dir: trainset
                output_dir: runs/%s
                resolution: 64
                train_batch_size: 1
                gradient_accumulation_steps: 1
                max_train_steps: %d
                checkpointing_steps: 1
                checkpoints_total_limit: 2
                learning_rate: !!float 5e-5
                seed: 7
                """.formatted(run, steps));
        return config;
    }
}
