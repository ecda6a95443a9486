package dev.xpsr.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
        try (GoldenFixture f = GoldenFixture.open("xpsr_pipeline_tiny")) {
            JsonConfig config = Golden.config(f);
            return write(root, seed, new Configs(config.object("text_encoder"), config.object("vae"),
                    config.object("controlnet"), config.object("unet"), config.node().get("scheduler_config_json")));
        }
    }

    /**
     * The same layout with Stable Diffusion 2.x's options: an exact-GELU text encoder, XPSR networks with the SD-2.1
     * fixtures' attention options (linear projections, per-block head lists, upcast attention) on that encoder's
     * width, a v-prediction scheduler, and SD-2.1's tokenizer files (pad token {@code "!"}) beside the small
     * vocabulary. Sizes shared between the networks come from the pipeline fixture, so they always fit together.
     */
    public static Folders writeSd21(Path root, long seed) throws IOException {
        Configs configs;
        try (GoldenFixture pipeline = GoldenFixture.open("xpsr_pipeline_tiny");
             GoldenFixture controlNet = GoldenFixture.open("sd21_xpsr_controlnet");
             GoldenFixture unet = GoldenFixture.open("sd21_xpsr_unet");
             GoldenFixture schedulers = GoldenFixture.open("sd21_schedulers")) {
            JsonConfig text = Golden.config(pipeline).object("text_encoder");
            text.node().put("hidden_act", "gelu");
            int width = text.integer("hidden_size");
            configs = new Configs(text, Golden.config(pipeline).object("vae"),
                    onContext(Golden.config(controlNet), width), onContext(Golden.config(unet), width),
                    schedulers.json("config"));
        }
        Folders folders = write(root, seed, configs);
        JsonNode files = new ObjectMapper().readTree(GoldenFixture.folder().resolve("sd21_tokenizer.json").toFile())
                .required("sd21_tokenizer_files");
        Path tokenizer = folders.sd15().resolve("tokenizer");
        Files.writeString(tokenizer.resolve("tokenizer_config.json"),
                files.required("tokenizer_config_json").toString());
        Files.writeString(tokenizer.resolve("special_tokens_map.json"),
                files.required("special_tokens_map_json").toString());
        return folders;
    }

    /** {@code config} attending to a text context of {@code width} channels. */
    private static JsonConfig onContext(JsonConfig config, int width) {
        config.node().put("cross_attention_dim", width);
        return config;
    }

    /** The configs of one model set; the tokenizer is the pipeline fixture's small vocabulary in both. */
    private record Configs(JsonConfig textEncoder, JsonConfig vae, JsonConfig controlNet, JsonConfig unet,
                           JsonNode scheduler) {
    }

    private static Folders write(Path root, long seed, Configs c) throws IOException {
        Path sd = root.resolve("sd15");
        Path xpsr = root.resolve("xpsr");
        Generator g = Torch.generator(seed);
        save(new ClipTextModel(c.textEncoder()), c.textEncoder(), sd.resolve("text_encoder"), "model", g);
        save(new AutoencoderKL(c.vae()), c.vae(), sd.resolve("vae"), "diffusion_pytorch_model", g);
        save(new XpsrControlNetModel(c.controlNet()), c.controlNet(), xpsr.resolve("controlnet"),
                "diffusion_pytorch_model", g);
        save(new XpsrUNet2DConditionModel(c.unet()), c.unet(), xpsr.resolve("unet"), "diffusion_pytorch_model", g);
        Files.createDirectories(sd.resolve("scheduler"));
        Files.writeString(sd.resolve("scheduler/scheduler_config.json"), c.scheduler().toString());
        try (GoldenFixture f = GoldenFixture.open("xpsr_pipeline_tiny")) {
            Path tokenizer = Files.createDirectories(sd.resolve("tokenizer"));
            JsonNode tok = Golden.config(f).node().get("tokenizer");
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
