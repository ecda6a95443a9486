package dev.xpsr.cli;

import dev.xpsr.testing.TinyXpsrModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code xpsr train} end to end: pairs made by {@code xpsr degrade} from real photos, the tiny XPSR models. */
class TrainCommandTest {
    @TempDir
    Path tmp;

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = new CommandLine(new Main()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static Path photos() {
        return Path.of(System.getProperty("xpsr.data", "../fixtures/data")).resolve("images/hr");
    }

    @Test
    void trainsFromAYamlConfigAndWritesCheckpointAndLogs() throws Exception {
        Path hr = Files.createDirectories(tmp.resolve("photos"));
        Files.copy(photos().resolve("skimage_coffee.png"), hr.resolve("coffee.png"));
        Files.copy(photos().resolve("skimage_chelsea.png"), hr.resolve("chelsea.png"));
        Run degrade = run("degrade", hr.toString(), "-o", tmp.resolve("trainset").toString(), "--crop-size", "80",
                "--min-pixels", "0", "--min-file-kb", "0", "--workers", "1", "--threads", "1");
        assertThat(degrade.code()).as(degrade.err()).isZero();
        TinyXpsrModels.Folders models = TinyXpsrModels.write(tmp.resolve("models"), 5);
        Path config = tmp.resolve("xpsr.yaml");
        Files.writeString(config, """
                pretrained_model_name_or_path: models/sd15
                xpsr_model_path: models/xpsr
                train_data_dir: trainset
                output_dir: runs/xpsr
                resolution: 64
                train_batch_size: 1
                gradient_accumulation_steps: 1
                max_train_steps: 2
                checkpointing_steps: 2
                learning_rate: !!float 5e-5
                """);
        assertThat(models.sd15()).isEqualTo(tmp.resolve("models/sd15"));

        Run train = run("train", "--config", config.toString(), "--threads", "1");

        assertThat(train.code()).as(train.err()).isZero();
        assertThat(train.out()).contains("trained steps 1..2");
        Path out = tmp.resolve("runs/xpsr");
        assertThat(Files.readString(out.resolve("latest")).trim()).isEqualTo("checkpoint-2");
        assertThat(out.resolve("checkpoint-2/controlnet/diffusion_pytorch_model.safetensors")).isRegularFile();
        assertThat(out.resolve("checkpoint-2/unet/config.json")).isRegularFile();
        assertThat(Files.readAllLines(out.resolve("logs/train_log.csv")).get(0))
                .startsWith("step,lr,grad_norm,loss,mse,dfc,dfc_rgb_0");
        java.awt.image.BufferedImage plot = javax.imageio.ImageIO.read(out.resolve("logs/loss.png").toFile());
        assertThat(plot.getWidth()).isEqualTo(900);
        assertThat(plot.getHeight()).isEqualTo(500);
    }

    @Test
    void unknownConfigKeyExitsWithTwoNamingTheKey() throws Exception {
        Path config = tmp.resolve("bad.yaml");
        Files.writeString(config, "pretrained_model_name_or_path: sd\ntrain_data_dir: d\noutput_dir: o\n"
                + "max_train_steps: 1\ngradient_accumulation: 4\n");
        Run r = run("train", "--config", config.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("unknown key 'gradient_accumulation'");
    }
}
