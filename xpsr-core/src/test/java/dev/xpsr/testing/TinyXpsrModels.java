package dev.xpsr.testing;

import dev.xpsr.golden.Golden;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.io.DType;
import dev.xpsr.io.JsonConfig;
import dev.xpsr.model.AutoencoderKL;
import dev.xpsr.model.ClipTextModel;
import dev.xpsr.model.Pretrained;
import dev.xpsr.model.XpsrControlNetModel;
import dev.xpsr.model.XpsrUNet2DConditionModel;
import dev.xpsr.nn.Init;
import dev.xpsr.nn.Module;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Generator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a complete tiny model set in the real folder layouts, with random weights, through the project's own
 * writer: an SD-1.5-style folder ({@code text_encoder/}, {@code tokenizer/}, {@code vae/}, {@code scheduler/})
 * and an XPSR folder ({@code controlnet/}, {@code unet/}). Sizes come from the pipeline golden fixture's configs;
 * the tokenizer is that fixture's small vocabulary (the tiny text encoder has only its rows).
 */
public final class TinyXpsrModels {
    private TinyXpsrModels() {
    }

    /** The two folders written. */
    public record Folders(Path sd15, Path xpsr) {
    }

    public static Folders write(Path root, long seed) throws IOException {
        Path sd = root.resolve("sd15");
        Path xpsr = root.resolve("xpsr");
        try (GoldenFixture f = GoldenFixture.open("xpsr_pipeline_tiny")) {
            JsonConfig config = Golden.config(f);
            Generator g = Torch.generator(seed);
            save(new ClipTextModel(config.object("text_encoder")), config.object("text_encoder"), sd.resolve("text_encoder"),
                    "model", g);
            save(new AutoencoderKL(config.object("vae")), config.object("vae"), sd.resolve("vae"),
                    "diffusion_pytorch_model", g);
            save(new XpsrControlNetModel(config.object("controlnet")), config.object("controlnet"),
                    xpsr.resolve("controlnet"), "diffusion_pytorch_model", g);
            save(new XpsrUNet2DConditionModel(config.object("unet")), config.object("unet"), xpsr.resolve("unet"),
                    "diffusion_pytorch_model", g);
            Files.createDirectories(sd.resolve("scheduler"));
            Files.writeString(sd.resolve("scheduler/scheduler_config.json"),
                    config.node().get("scheduler_config_json").toString());
            Path tokenizer = Files.createDirectories(sd.resolve("tokenizer"));
            var tok = config.node().get("tokenizer");
            Files.copy(GoldenFixture.folder().resolve(tok.get("vocab_file").asText()), tokenizer.resolve("vocab.json"));
            Files.copy(GoldenFixture.folder().resolve(tok.get("merges_file").asText()), tokenizer.resolve("merges.txt"));
        }
        return new Folders(sd, xpsr);
    }

    /** Random weights (PyTorch's default initialisation, zero convolutions included) written as a model folder. */
    private static void save(Module model, JsonConfig config, Path dir, String stem, Generator g) throws IOException {
        Init.pytorchDefaults(model, g);
        Pretrained.save(model, config, dir, stem, null, DType.F32);
    }
}
