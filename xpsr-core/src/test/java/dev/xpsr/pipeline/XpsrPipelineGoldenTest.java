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
import dev.xpsr.nn.TextContext;
import dev.xpsr.nn.WeightLoader;
import dev.xpsr.nn.WeightSource;
import dev.xpsr.scheduler.NoiseSource;
import dev.xpsr.scheduler.Sampler;
import dev.xpsr.scheduler.Scheduler;
import dev.xpsr.scheduler.SchedulerConfig;
import dev.xpsr.torch.ImageTensors;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * XPSR's own test.py + pipeline_xpsr.py run end to end on tiny models ({@code xpsr_pipeline_tiny}), with every
 * random draw recorded: this port, fed the same draws, reproduces each stage.
 */
class XpsrPipelineGoldenTest {
    private static final double MODEL_TOL = 1e-4;
    private static GoldenFixture f;
    private static XpsrPipeline pipeline;
    private static UpscaleOptions options;

    @BeforeAll
    static void load() throws Exception {
        f = GoldenFixture.open("xpsr_pipeline_tiny");
        XpsrModels models = GoldenPipeline.models(f);
        pipeline = new XpsrPipeline(models);
        options = GoldenPipeline.options(f);
    }

    @AfterAll
    static void close() {
        f.close();
    }

    @Test
    void preprocessingReproducesTestPyImagesExactly() {
        Preprocess.Prepared p = new Preprocess(options.upscale(), options.processSize()).prepare(image("input.lr_u8"));
        RecordedPreprocessing.assertMatches(f, p);
    }

    @Test
    void promptsTokenizeAndEncodeAsTheReference() throws Exception {
        JsonNode prompts = f.json("extra").get("prompts");
        try (AutoCloseable mode = Torch.inferenceMode()) {
            for (String name : List.of("prompt", "negative_prompt", "lowlevel_prompt", "lowlevel_negative_prompt")) {
                String text = prompts.get(name).asText();
                int[] ids = pipeline.models().tokenizer().encode(text);
                float[] expected = Torch.toFloats(f.tensor("input.token_ids." + name));
                assertThat(Arrays.stream(ids).asDoubleStream().toArray())
                        .as(name).containsExactly(toDoubles(expected));
                Golden.assertClose("text encoder " + name, pipeline.encodeText(text),
                        f.tensor("output.text_encoder." + name), MODEL_TOL);
            }
        }
    }

    @Test
    void untiledRunMatchesEveryStageAndTheFinalImages() throws Exception {
        List<RgbImage> out = run(options, "output.");
        assertImagesClose("pipeline image", out.get(0), image("output.pipeline_image_u8"));
        assertImagesClose("colour-fixed", options.colorFix().apply(out.get(0), control()), image("output.colorfix_u8"));
        Preprocess pre = new Preprocess(options.upscale(), options.processSize());
        RgbImage lr = image("input.lr_u8");
        assertImagesClose("final", pre.restoreSize(options.colorFix().apply(out.get(0), control()), lr.width(), lr.height()),
                image("output.final_u8"));
        assertImagesClose("final without colour fix", pre.restoreSize(out.get(0), lr.width(), lr.height()),
                image("output.no_colorfix.final_u8"));
    }

    @Test
    void tiledLatentRunMatchesTheReferenceTiledBranch() throws Exception {
        JsonNode tiled = f.json("extra").get("tiled");
        UpscaleOptions o = options.toBuilder().latentTiles(tiled.get("latent_tiled_size").asInt(),
                tiled.get("latent_tiled_overlap").asInt()).build();
        List<RgbImage> out = run(o, "output.tiled.");
        assertImagesClose("tiled pipeline image", out.get(0), image("output.tiled.pipeline_image_u8"));
        RgbImage lr = image("input.lr_u8");
        RgbImage fin = new Preprocess(o.upscale(), o.processSize())
                .restoreSize(o.colorFix().apply(out.get(0), control()), lr.width(), lr.height());
        assertImagesClose("tiled final", fin, image("output.tiled.final_u8"));
        int tile = tiled.get("tile_size_used").asInt();
        Golden.assertClose("tile weights", TileWeights.gaussian(tile, tile, 1, pipeline.models().unet().config.inChannels()),
                f.tensor("output.tiled.gaussian_weights"), 1e-6);
    }

    /** Runs the pipeline stage by stage on the recorded draws, checking each stage; returns the 8-bit image. */
    private List<RgbImage> run(UpscaleOptions o, String prefix) throws Exception {
        try (AutoCloseable mode = Torch.inferenceMode()) {
            TextContext ctx = pipeline.encodePrompts(GoldenPipeline.prompts(f));
            Tensor image = ImageTensors.toTensor(control());
            Scheduler scheduler = o.sampler().create(pipeline.models().schedulerConfig());
            scheduler.setTimesteps(o.steps());
            assertThat(Arrays.stream(scheduler.timesteps()).asDoubleStream().toArray())
                    .containsExactly(toDoubles(Torch.toFloats(f.tensor("output.timesteps"))));
            NoiseSource noise = recordedDraws();
            Tensor z = pipeline.initialLatents(image, scheduler, o, noise);
            Golden.assertClose("initial latents", z, f.tensor("output.initial_latents"), MODEL_TOL);
            Tensor control2 = Torch.cat(0, image, image);
            if (prefix.equals("output.")) {
                checkStepZeroControlNet(z, scheduler.timesteps()[0], ctx, control2, o);
            }
            Tensor last = pipeline.denoise(z, ctx, control2, scheduler, o, noise, XpsrPipeline.Observer.onStep(s -> {
                Tensor expected = f.tensor(prefix + "steps." + s.index() + ".latents");
                double scale = Math.max(1.0, Torch.toFloats(expected.abs().max())[0]);
                Golden.assertClose("step " + s.index() + " noise", s.guidedNoise(),
                        f.tensor(prefix + "steps." + s.index() + ".noise_pred"), MODEL_TOL * scale);
                Golden.assertClose("step " + s.index() + " latents", s.latents(), expected, MODEL_TOL * scale);
            }));
            Tensor decoded = pipeline.decode(last, o.vaeTiles());
            Golden.assertClose("decoded", decoded, f.tensor(prefix + "decoded"), 1e-3);
            return List.of(ImageTensors.fromVaeOutput(decoded.select(0, 0)));
        }
    }

    private void checkStepZeroControlNet(Tensor z, long t, TextContext ctx, Tensor control2, UpscaleOptions o) {
        Tensor x = Torch.cat(0, z, z);
        var residuals = pipeline.models().controlNet().forward(x, Torch.scalarTensor(t), ctx, control2,
                o.conditioningScale()).residuals();
        List<Tensor> expected = f.tensorList("output.steps.0.controlnet.down_block_res_samples");
        for (int i = 0; i < expected.size(); i++) {
            Golden.assertClose("step-0 residual " + i, residuals.down().get(i), expected.get(i), MODEL_TOL);
        }
        Golden.assertClose("step-0 mid residual", residuals.mid(),
                f.tensor("output.steps.0.controlnet.mid_block_res_sample"), MODEL_TOL);
        Golden.assertClose("step-0 unet noise", pipeline.noisePrediction(x, t, ctx, control2, o),
                f.tensor("output.steps.0.unet_noise_pred"), MODEL_TOL);
    }

    /** The recorded draws, handed out in the order the reference consumed them. */
    private static NoiseSource recordedDraws() {
        Deque<Tensor> draws = new ArrayDeque<>();
        for (JsonNode name : f.json("extra").get("random_draws_in_order")) {
            Tensor t = f.tensor("input.noise." + name.asText());
            t.retainReference();
            draws.add(t);
        }
        return shape -> {
            Tensor next = draws.poll();
            assertThat(next).as("more random draws than the reference made").isNotNull();
            assertThat(Torch.shape(next)).isEqualTo(shape);
            return next;
        };
    }

    private static void assertImagesClose(String what, RgbImage actual, RgbImage expected) {
        assertThat(actual.width()).as(what + " width").isEqualTo(expected.width());
        assertThat(actual.height()).as(what + " height").isEqualTo(expected.height());
        byte[] a = actual.toHwcBytes();
        byte[] e = expected.toHwcBytes();
        int maxDiff = 0;
        int off = 0;
        for (int i = 0; i < a.length; i++) {
            int d = Math.abs((a[i] & 0xff) - (e[i] & 0xff));
            maxDiff = Math.max(maxDiff, d);
            if (d > 0) {
                off++;
            }
        }
        assertThat(maxDiff).as(what + ": max 8-bit difference (" + off + " of " + a.length + " values differ)")
                .isLessThanOrEqualTo(1);
    }

    private static RgbImage control() {
        return image("input.control_image_u8");
    }

    private static RgbImage image(String key) {
        return ImageTensors.fromHwcTensor(f.tensor(key));
    }

    private static double[] toDoubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}
