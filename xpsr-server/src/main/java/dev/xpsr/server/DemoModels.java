package dev.xpsr.server;

import dev.xpsr.io.JsonConfig;
import dev.xpsr.model.AutoencoderKL;
import dev.xpsr.model.ClipTextModel;
import dev.xpsr.model.ClipTokenizer;
import dev.xpsr.model.XpsrControlNetModel;
import dev.xpsr.model.XpsrUNet2DConditionModel;
import dev.xpsr.nn.Init;
import dev.xpsr.nn.Module;
import dev.xpsr.pipeline.XpsrModels;
import dev.xpsr.scheduler.SchedulerConfig;
import dev.xpsr.torch.Torch;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The tiny XPSR networks of {@code xpsr serve --demo}: the configurations of the pipeline golden fixture (CLIP width
 * 32, UNet and ControlNet widths 8–16, VAE width 16; SD-1.5's block structure) with seeded random weights, and that
 * fixture's 871-token CLIP vocabulary. They run the whole XPSR pipeline in a second or two on a CPU so the page and
 * the API can be seen working without a download; the images they make are noise. The configurations ship as
 * resources of this jar (see {@code demo/NOTICE.md}); nothing is read from the repository at run time.
 */
public final class DemoModels {
    /** The seed of the demo's weights: every demo server has the same networks. */
    public static final long SEED = 2024;
    /** Where the configurations are, in the diffusers folder layout. */
    private static final String RESOURCES = "/dev/xpsr/server/demo/";

    private DemoModels() {
    }

    /** Resident tiny models; the same seed gives the same weights, in any process. */
    public static XpsrModels create(long seed) {
        ClipTokenizer tokenizer = ClipTokenizer.fromText(resource("tokenizer/vocab.json"), RESOURCES
                + "tokenizer/vocab.json", resource("tokenizer/merges.txt"), RESOURCES + "tokenizer/merges.txt");
        ClipTextModel textEncoder = randomize(new ClipTextModel(config("text_encoder/config.json")), seed);
        AutoencoderKL vae = randomize(new AutoencoderKL(config("vae/config.json")), seed + 1);
        XpsrControlNetModel controlNet = randomize(new XpsrControlNetModel(config("controlnet/config.json")), seed + 2);
        XpsrUNet2DConditionModel unet = randomize(new XpsrUNet2DConditionModel(config("unet/config.json")), seed + 3);
        SchedulerConfig scheduler = SchedulerConfig.fromJson(config("scheduler/scheduler_config.json").node());
        return new XpsrModels(tokenizer, textEncoder, vae, controlNet, unet, scheduler);
    }

    private static <M extends Module> M randomize(M module, long seed) {
        Init.pytorchDefaults(module, Torch.generator(seed));
        return module;
    }

    private static JsonConfig config(String name) {
        return JsonConfig.parse(resource(name), RESOURCES + name);
    }

    private static String resource(String name) {
        try (InputStream in = DemoModels.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("the server jar lacks its resource " + RESOURCES + name
                        + "; rebuild it (mvn package)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the resource " + RESOURCES + name, e);
        }
    }
}
