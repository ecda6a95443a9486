package dev.xpsr.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The {@code latest} file is data a resume trusts (it reads that checkpoint, then prunes beside it): it may only
 * name a {@code checkpoint-<step>} folder of the run's own output folder, never a path that leads out of it.
 */
class LatestCheckpointPointerTest {
    @TempDir
    Path tmp;

    @Test
    void namesACheckpointFolderOfTheRun() throws IOException {
        Path run = run();
        Path checkpoint = checkpoint(run, "checkpoint-4");
        Files.writeString(run.resolve(TrainingCheckpoint.LATEST), "checkpoint-4\n");

        assertThat(TrainingCheckpoint.latest(run)).isEqualTo(checkpoint);
        assertThat(TrainingCheckpoint.readState(checkpoint).step()).isEqualTo(4);
    }

    @Test
    void aPointerLeadingOutOfTheRunIsRefusedNamingIt() throws IOException {
        Path run = run();
        checkpoint(tmp, "checkpoint-9");
        for (String escape : new String[] {"checkpoint-1/../../checkpoint-9", "../checkpoint-9",
            tmp.resolve("checkpoint-9").toString(), "checkpoint-9/../../checkpoint-9"}) {
            Files.writeString(run.resolve(TrainingCheckpoint.LATEST), escape);
            assertThatThrownBy(() -> TrainingCheckpoint.latest(run)).as(escape)
                    .hasMessageContaining(run.resolve(TrainingCheckpoint.LATEST).toString())
                    .hasMessageContaining("'" + escape + "'").hasMessageContaining("not a complete checkpoint folder");
        }
    }

    @Test
    void aCheckpointThatIsALinkOutOfTheRunIsRefused() throws IOException {
        Path run = run();
        Path elsewhere = checkpoint(tmp, "checkpoint-9");
        Files.createSymbolicLink(run.resolve("checkpoint-9"), elsewhere);
        Files.writeString(run.resolve(TrainingCheckpoint.LATEST), "checkpoint-9\n");

        assertThatThrownBy(() -> TrainingCheckpoint.latest(run)).hasMessageContaining("not a link");
    }

    @Test
    void aDamagedStateFileIsAnErrorNamingItAndTheField() throws IOException {
        Path checkpoint = checkpoint(run(), "checkpoint-2");
        Files.writeString(checkpoint.resolve(TrainingCheckpoint.STATE_FILE), "{\"step\": 2}");

        assertThatThrownBy(() -> TrainingCheckpoint.readState(checkpoint))
                .hasMessageContaining(checkpoint.resolve(TrainingCheckpoint.STATE_FILE).toString())
                .hasMessageContaining("no 'signature'");
    }

    private Path run() throws IOException {
        return Files.createDirectories(tmp.resolve("runs/xpsr"));
    }

    /** A checkpoint folder holding just its state file, which is all {@code latest} checks. */
    private static Path checkpoint(Path dir, String name) throws IOException {
        Path checkpoint = Files.createDirectories(dir.resolve(name));
        long step = Long.parseLong(name.substring("checkpoint-".length()));
        Files.writeString(checkpoint.resolve(TrainingCheckpoint.STATE_FILE), "{\"format\": \"xpsr-java-train-1\","
                + " \"step\": " + step + ", \"optimizer_steps\": " + step + ", \"sample_position\": " + step
                + ", \"loss_scale\": 65536.0, \"clean_steps\": 0, \"seed\": 7, \"signature\": []}");
        return checkpoint;
    }
}
