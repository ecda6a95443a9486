package dev.xpsr.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.xpsr.golden.Golden;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.io.JsonConfig;
import dev.xpsr.io.RgbImage;
import dev.xpsr.model.AutoencoderKL;
import dev.xpsr.model.ClipTextModel;
import dev.xpsr.model.ClipTokenizer;
import dev.xpsr.model.XpsrControlNetModel;
import dev.xpsr.model.XpsrUNet2DConditionModel;
import dev.xpsr.nn.Module;
import dev.xpsr.nn.WeightLoader;
import dev.xpsr.nn.WeightSource;
import dev.xpsr.scheduler.Sampler;
import dev.xpsr.scheduler.SchedulerConfig;
import dev.xpsr.torch.ImageTensors;

import java.io.IOException;
import java.util.Set;

/** What the pipeline fixture ({@code xpsr_pipeline_tiny}) recorded: its tiny models, test.py's arguments and inputs. */
final class GoldenPipeline {
    private GoldenPipeline() {
    }

    /** The fixture's tiny text encoder, VAE, ControlNet and UNet with its weights, and its tokenizer and scheduler. */
    static XpsrModels models(GoldenFixture f) throws IOException {
        JsonConfig config = Golden.config(f);
        JsonNode tok = config.node().get("tokenizer");
        ClipTokenizer tokenizer = ClipTokenizer.fromFiles(GoldenFixture.folder().resolve(tok.get("vocab_file").asText()),
                        GoldenFixture.folder().resolve(tok.get("merges_file").asText()))
                .withNormalization(ClipTokenizer.Normalization.FTFY_LIKE);
        return new XpsrModels(tokenizer,
                weights(f, new ClipTextModel(config.object("text_encoder")), "text_encoder.", ClipTextModel.IGNORED_KEYS),
                weights(f, new AutoencoderKL(config.object("vae")), "vae.", Set.of()),
                weights(f, new XpsrControlNetModel(config.object("controlnet")), "controlnet.", Set.of()),
                weights(f, new XpsrUNet2DConditionModel(config.object("unet")), "unet.", Set.of()),
                SchedulerConfig.fromJson(config.node().get("scheduler")));
    }

    /** test.py's arguments as the fixture recorded them (sampler DDPM and the AdaIN colour fix, as test.py has). */
    static UpscaleOptions options(GoldenFixture f) {
        JsonNode args = f.json("extra").get("args");
        TiledVae.Options xpsr = TiledVae.Options.XPSR;
        TiledVae.Options vaeTiles = xpsr.withEncoderTile(args.required("encoder_tiled_size").asInt(), xpsr.encoderPad())
                .withDecoderTile(args.required("decoder_tiled_size").asInt(), xpsr.decoderPad());
        return UpscaleOptions.builder().steps(args.required("num_inference_steps").asInt())
                .guidance(args.required("guidance_scale").asDouble())
                .conditioningScale(args.required("conditioning_scale").asDouble())
                .addedNoiseLevel(args.required("added_noise_level").asInt())
                .startFromNoise(args.required("init_latent_with_noise").asBoolean())
                .sampler(Sampler.DDPM).colorFix(ColorFixMode.ADAIN).upscale(args.required("upscale").asInt())
                .processSize(args.required("process_size").asInt())
                .latentTiles(args.required("latent_tiled_size").asInt(), args.required("latent_tiled_overlap").asInt())
                .seed(args.required("seed").asLong()).vaeTiles(vaeTiles).build();
    }

    /** The four prompts the fixture ran with. */
    static Prompts prompts(GoldenFixture f) {
        JsonNode p = f.json("extra").get("prompts");
        return new Prompts(p.get("prompt").asText(), p.get("negative_prompt").asText(),
                p.get("lowlevel_prompt").asText(), p.get("lowlevel_negative_prompt").asText());
    }

    /** The fixture's low-resolution input image. */
    static RgbImage lowResolutionInput(GoldenFixture f) {
        return ImageTensors.fromHwcTensor(f.tensor("input.lr_u8"));
    }

    private static <M extends Module> M weights(GoldenFixture f, M model, String prefix, Set<String> ignored) {
        WeightLoader.load(model, WeightSource.of(f.file()).withPrefix(prefix), ignored);
        return model;
    }
}
