package dev.xpsr.train;

import dev.xpsr.io.DType;
import dev.xpsr.model.Pretrained;
import dev.xpsr.model.XpsrControlNetModel;
import dev.xpsr.testing.RestoresThreadCount;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Bad input and interruptions: unreadable pairs, NaN losses, a checkpoint write cut short. */
@ExtendWith(RestoresThreadCount.class)
class TrainerFaultsTest {
    @TempDir
    static Path tmp;
    static TrainingFixtures.Setup setup;

    @BeforeAll
    static void setUp() throws Exception {
        NativeStartup.ensureStarted(1);
        setup = TrainingFixtures.create(tmp.resolve("fixture"));
    }

    @Test
    void unreadablePairIsReportedSkippedAndCounted() throws Exception {
        Path data = tmp.resolve("with-corrupt");
        copyTree(setup.data(), data);
        byte[] png = Files.readAllBytes(data.resolve("HR/skimage_coffee.png"));
        Files.write(data.resolve("HR/skimage_coffee.png"), java.util.Arrays.copyOf(png, png.length / 3));
        List<String> messages = new ArrayList<>();
        Trainer.Listener listener = new Trainer.Listener() {
            @Override
            public void onStep(long step, long maxSteps, TrainingLog.Row row) {
            }

            @Override
            public void onMessage(String message) {
                messages.add(message);
            }
        };
        Trainer.Summary run = new Trainer(setup.config(tmp.resolve("skip-run"), Map.of("train_data_dir", data.toString(),
                "max_train_steps", 3, "checkpointing_steps", 3)), 1, listener).run(false);

        assertThat(run.skippedPairs()).isEqualTo(1);
        assertThat(run.lastStep()).isEqualTo(3);
        assertThat(messages).anyMatch(m -> m.contains("skipping") && m.contains("skimage_coffee.png"));
        assertThat(messages).anyMatch(m -> m.startsWith("1 training pair(s) could not be read"));
    }

    @Test
    void nonFiniteLossNamesStepAndTermAndKeepsTheLastCheckpoint() throws Exception {
        Path out = tmp.resolve("nan-run");
        new Trainer(setup.config(out, Map.of("max_train_steps", 2)), 1, Trainer.Listener.NONE).run(false);
        // poison one latent DFC head in the checkpoint the resumed run starts from
        Path controlnet = out.resolve("checkpoint-2/controlnet");
        XpsrControlNetModel net = Pretrained.xpsrControlNet(controlnet, null);
        Torch.fill_(net.conv_degradation.get(3).get(0).weight, Double.NaN);
        Pretrained.save(net, net.config.raw(), controlnet, "diffusion_pytorch_model", null, DType.F32);

        assertThatThrownBy(() -> new Trainer(setup.config(out, Map.of("max_train_steps", 4)), 1, Trainer.Listener.NONE)
                .run(true)).isInstanceOfSatisfying(NonFiniteLossException.class, e -> {
                    assertThat(e.step()).isEqualTo(3);
                    assertThat(e.term()).isEqualTo("dfc_latent_3");
                });
        assertThat(Files.readString(out.resolve("latest")).trim()).isEqualTo("checkpoint-2");
        assertThat(TrainingCheckpoint.readState(TrainingCheckpoint.latest(out)).step()).isEqualTo(2);
        assertThat(out.resolve("checkpoint-4")).doesNotExist();
    }

    @Test
    void checkpointWriteCutShortLeavesLatestIntactAndIsCleanedUp() throws Exception {
        Path out = tmp.resolve("cut-run");
        new Trainer(setup.config(out, Map.of("max_train_steps", 2)), 1, Trainer.Listener.NONE).run(false);
        // what a kill in the middle of writing checkpoint 4 leaves: a partial hidden folder, latest unchanged
        Path partial = Files.createDirectories(out.resolve(".checkpoint-4.0f0f.tmp/controlnet"));
        Files.write(partial.resolve("diffusion_pytorch_model.safetensors"), new byte[] {1, 2, 3});
        assertThat(TrainingCheckpoint.latest(out)).isEqualTo(out.resolve("checkpoint-2"));

        Trainer.Summary resumed = new Trainer(setup.config(out, Map.of("max_train_steps", 4)), 1, Trainer.Listener.NONE)
                .run(true);
        assertThat(resumed.lastStep()).isEqualTo(4);
        assertThat(out.resolve(".checkpoint-4.0f0f.tmp")).doesNotExist();
        assertThat(TrainingCheckpoint.latest(out)).isEqualTo(out.resolve("checkpoint-4"));
        assertThat(out.resolve("checkpoint-4/optimizer.safetensors")).isRegularFile();
    }

    @Test
    void startingOverAnExistingRunOrResumingNothingIsRefused() throws Exception {
        Path out = tmp.resolve("refuse-run");
        assertThatThrownBy(() -> new Trainer(setup.config(out, Map.of()), 1, Trainer.Listener.NONE).run(true))
                .hasMessageContaining("holds no checkpoint");
        new Trainer(setup.config(out, Map.of("max_train_steps", 2)), 1, Trainer.Listener.NONE).run(false);
        assertThatThrownBy(() -> new Trainer(setup.config(out, Map.of()), 1, Trainer.Listener.NONE).run(false))
                .hasMessageContaining("already holds a run");
        assertThatThrownBy(() -> new Trainer(setup.config(out, Map.of("seed", 8)), 1, Trainer.Listener.NONE).run(true))
                .hasMessageContaining("seed=7");
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (var s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
