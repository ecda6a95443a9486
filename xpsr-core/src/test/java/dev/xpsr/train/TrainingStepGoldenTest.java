package dev.xpsr.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.xpsr.golden.Golden;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.io.JsonConfig;
import dev.xpsr.model.XpsrControlNetModel;
import dev.xpsr.model.XpsrUNet2DConditionModel;
import dev.xpsr.nn.Module;
import dev.xpsr.nn.TextContext;
import dev.xpsr.nn.WeightLoader;
import dev.xpsr.nn.WeightSource;
import dev.xpsr.scheduler.DDPMScheduler;
import dev.xpsr.scheduler.SchedulerConfig;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One XPSR training step against the official classes and {@code train.py}'s arithmetic
 * ({@code xpsr_train_step.safetensors}): the project's {@link TrainingObjective} (the code the trainer runs) on the
 * recorded inputs and draws, then backward, for every case of {@code extra.cases} — everything trainable, or
 * frozen by the project's own {@link TrainingModels#freezeForTraining} as {@code train.py} freezes. Models, configs,
 * sizes, cases, the trainable-module list and the parameter order all come from the fixture. Tolerances are the
 * fixture README's.
 */
class TrainingStepGoldenTest {
    private static final String FIXTURE = "xpsr_train_step";
    /** ᾱ-derived coefficients, noised latents, DFC targets. */
    private static final double EXACT_TOL = 1e-5;
    /** ControlNet residuals, UNet prediction, DFC predictions (values up to about 3). */
    private static final double OUTPUT_TOL = 1e-4;
    private static final double LOSS_TOL = 1e-5;
    /** Gradients: relative to the largest reference element of each tensor. */
    private static final double GRAD_REL_TOL = 1e-3;
    private static final double GRAD_NORM_REL_TOL = 1e-3;
    private static final double TOTAL_NORM_REL_TOL = 1e-4;
    private static final Map<String, Double> LARGEST = new TreeMap<>();

    static List<String> cases() {
        try (GoldenFixture f = GoldenFixture.open(FIXTURE)) {
            List<String> names = new ArrayList<>();
            f.json("extra").required("cases").forEach(c -> names.add(c.required("name").asText()));
            assertThat(names).as("extra.cases of " + FIXTURE).isNotEmpty();
            return names;
        }
    }

    @AfterAll
    static void report() {
        LARGEST.forEach((k, v) -> System.out.printf("training step, largest %-34s %.3e%n", k, v));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void trainingStepReproducesTrainPyLossesAndGradients(String name) throws Exception {
        try (GoldenFixture f = GoldenFixture.open(FIXTURE); PointerScope scope = new PointerScope()) {
            JsonNode extra = f.json("extra");
            XpsrControlNetModel controlNet = controlNet(f);
            XpsrUNet2DConditionModel unet = unet(f);
            DDPMScheduler scheduler = new DDPMScheduler(schedulerConfig(f));
            freeze(caseNamed(extra, name), extra, controlNet, unet);

            String out = "output." + name + ".";
            long[] timesteps = longs(f.tensor("input." + name + ".timesteps"));
            TrainingObjective.Inputs in = inputs(f);
            TrainingObjective.Pass pass = new TrainingObjective(controlNet, unet, scheduler, defaultDfcWeight())
                    .run(in, f.tensor("input." + name + ".noise"), timesteps);

            checkNoising(f, out, scheduler, timesteps, pass);
            checkNetworks(f, out, pass);
            checkDfc(f, out, in, pass);
            checkLosses(f, out, pass.losses());

            pass.losses().total().backward();
            Map<String, Tensor> params = parametersInFileOrder(f, controlNet, unet);
            checkGradients(f, out, params);
            // clip_grad_norm_'s return value is the total norm before clipping; train.py then clips to 1.0
            double total = GradientClipping.clip(params.values(), 1.0);
            double expected = f.tensor(out + "grad_total_norm").item_double();
            record("grad_total_norm (relative)", Math.abs(total - expected) / expected);
            assertThat(Math.abs(total - expected)).as("grad_total_norm %s vs %s", total, expected)
                    .isLessThanOrEqualTo(TOTAL_NORM_REL_TOL * expected);
        }
    }

    /**
     * With a v-prediction scheduler config (SD-2.x 768-v) the same networks regress the velocity: the objective's
     * target is {@code get_velocity(z, ε, t)} per sample (train.py l.890-891) and the MSE term is measured against it.
     */
    @Test
    void vPredictionConfigTrainsTowardsTheVelocity() throws Exception {
        try (GoldenFixture f = GoldenFixture.open(FIXTURE); PointerScope scope = new PointerScope();
             AutoCloseable noGrad = Torch.noGrad()) {
            String name = cases().get(0);
            DDPMScheduler scheduler = new DDPMScheduler(schedulerConfig(f).withPredictionType("v_prediction"));
            long[] timesteps = longs(f.tensor("input." + name + ".timesteps"));
            Tensor noise = f.tensor("input." + name + ".noise");
            TrainingObjective.Inputs in = inputs(f);
            TrainingObjective.Pass pass = new TrainingObjective(controlNet(f), unet(f), scheduler, defaultDfcWeight())
                    .run(in, noise, timesteps);
            for (int i = 0; i < timesteps.length; i++) {
                Tensor velocity = scheduler.getVelocity(in.latents().narrow(0, i, 1), noise.narrow(0, i, 1),
                        timesteps[i]);
                assertThat(Torch.maxAbsDiff(pass.target().narrow(0, i, 1), velocity)).as("target of sample " + i)
                        .isZero();
            }
            assertThat(pass.losses().tensors().get(LossTerms.MSE).item_double())
                    .isEqualTo(Torch.mseLoss(pass.prediction(), pass.target()).item_double());
        }
    }

    // ---------------------------------------------------------------- set-up from the fixture

    private static XpsrControlNetModel controlNet(GoldenFixture f) {
        JsonConfig config = new JsonConfig(f.json("config").required("controlnet"), FIXTURE + "#config.controlnet");
        return load(f, "controlnet.", new XpsrControlNetModel(config));
    }

    private static XpsrUNet2DConditionModel unet(GoldenFixture f) {
        JsonConfig config = new JsonConfig(f.json("config").required("unet"), FIXTURE + "#config.unet");
        return load(f, "unet.", new XpsrUNet2DConditionModel(config));
    }

    private static SchedulerConfig schedulerConfig(GoldenFixture f) {
        return SchedulerConfig.fromJson(f.json("config").required("scheduler"));
    }

    /** The recorded HR, LR, clean latents and both prompt embeddings. */
    private static TrainingObjective.Inputs inputs(GoldenFixture f) {
        return new TrainingObjective.Inputs(f.tensor("input.pixel_values"), f.tensor("input.conditioning_pixel_values"),
                f.tensor("input.latents"), new TextContext(f.tensor("input.encoder_hidden_states"),
                f.tensor("input.lowlevel_encoder_hidden_states")));
    }

    private static <M extends Module> M load(GoldenFixture f, String prefix, M model) {
        WeightLoader.load(model, WeightSource.of(f.file()).withPrefix(prefix), Set.of());
        return model;
    }

    /** {@code requires_grad} as the case ran: all parameters, or the project's train.py freezing. */
    private static void freeze(JsonNode c, JsonNode extra, XpsrControlNetModel controlNet,
                               XpsrUNet2DConditionModel unet) {
        String mode = c.required("requires_grad").asText();
        switch (mode) {
            case "none" -> {
                controlNet.requiresGrad(true);
                unet.requiresGrad(true);
            }
            case "train_py" -> {
                List<String> modules = new ArrayList<>();
                extra.required("trainable_modules").required("configs_xpsr_yaml_l20")
                        .forEach(m -> modules.add(m.asText()));
                TrainingModels.freezeForTraining(controlNet, unet, modules);
            }
            default -> throw new AssertionError(FIXTURE + ": case " + c.required("name").asText()
                    + " has an unknown requires_grad mode '" + mode + "'");
        }
    }

    /** The λ a training config gets by default: train.py's {@code lambda_d}. */
    private static double defaultDfcWeight() {
        Map<String, Object> required = Map.of("pretrained_model_name_or_path", "sd", "train_data_dir", "data",
                "output_dir", "out", "max_train_steps", 1);
        return TrainConfig.fromMap(required, Path.of("."), "the required keys alone").dfcWeight();
    }

    // ---------------------------------------------------------------- forward checks

    private static void checkNoising(GoldenFixture f, String out, DDPMScheduler scheduler, long[] timesteps,
                                     TrainingObjective.Pass pass) {
        float[] acp = Torch.toFloats(scheduler.alphasCumprod());
        float[] expected = Torch.toFloats(f.tensor(out + "alphas_cumprod_t"));
        for (int i = 0; i < timesteps.length; i++) {
            assertThat(acp[(int) timesteps[i]]).as("alphas_cumprod[%d]", timesteps[i]).isEqualTo(expected[i]);
        }
        // add_noise of a one and a zero exposes its two coefficients
        Tensor one = Torch.ones(1);
        Tensor zero = Torch.zeros(1);
        double[] sqrtAlpha = new double[timesteps.length];
        double[] sqrtOneMinus = new double[timesteps.length];
        for (int i = 0; i < timesteps.length; i++) {
            sqrtAlpha[i] = scheduler.addNoise(one, zero, timesteps[i]).item_double();
            sqrtOneMinus[i] = scheduler.addNoise(zero, one, timesteps[i]).item_double();
        }
        close("sqrt_alpha_prod", Torch.fromDoubles(sqrtAlpha, sqrtAlpha.length).to(ScalarType.Float),
                f.tensor(out + "sqrt_alpha_prod"), EXACT_TOL);
        close("sqrt_one_minus_alpha_prod", Torch.fromDoubles(sqrtOneMinus, sqrtOneMinus.length).to(ScalarType.Float),
                f.tensor(out + "sqrt_one_minus_alpha_prod"), EXACT_TOL);
        close("noisy_latents", pass.noisyLatents(), f.tensor(out + "noisy_latents"), EXACT_TOL);
    }

    private static void checkNetworks(GoldenFixture f, String out, TrainingObjective.Pass pass) {
        List<Tensor> down = f.tensorList(out + "down_block_res_samples");
        assertThat(pass.heads().residuals().down()).as("residual count").hasSameSizeAs(down);
        for (int i = 0; i < down.size(); i++) {
            close("down_block_res_samples", pass.heads().residuals().down().get(i), down.get(i), OUTPUT_TOL);
        }
        close("mid_block_res_sample", pass.heads().residuals().mid(), f.tensor(out + "mid_block_res_sample"),
                OUTPUT_TOL);
        close("model_pred", pass.prediction(), f.tensor(out + "model_pred"), OUTPUT_TOL);
    }

    /** Each DFC head: prediction, target and unweighted L1, under the names the loss logs them. */
    private static void checkDfc(GoldenFixture f, String out, TrainingObjective.Inputs in,
                                 TrainingObjective.Pass pass) {
        Map<String, Tensor> terms = pass.losses().tensors();
        List<Tensor> rgbs = pass.heads().rgbPredictions();
        assertThat(rgbs).as("pixel DFC heads").hasSameSizeAs(indices(f, out + "dfc.pixel", ".pred"));
        for (int i = 0; i < rgbs.size(); i++) {
            checkHead(f, out + "dfc.pixel." + i, rgbs.get(i), in.pixelValues(), terms.get("dfc_rgb_" + i));
        }
        List<Tensor> lats = pass.heads().latentPredictions();
        assertThat(lats).as("latent DFC heads").hasSameSizeAs(indices(f, out + "dfc.latent", ".pred"));
        for (int k = 0; k < lats.size(); k++) {
            checkHead(f, out + "dfc.latent." + k, lats.get(k), in.latents(), terms.get("dfc_latent_" + k));
        }
        checkHead(f, out + "dfc.latent_mid", pass.heads().latentPredictionMid(), in.latents(),
                terms.get("dfc_latent_mid"));
    }

    private static void checkHead(GoldenFixture f, String key, Tensor prediction, Tensor source, Tensor l1) {
        close("DFC predictions", prediction, f.tensor(key + ".pred"), OUTPUT_TOL);
        close("DFC targets", XpsrLoss.resized(source, prediction), f.tensor(key + ".target"), EXACT_TOL);
        close("DFC l1", l1.reshape(1), f.tensor(key + ".l1"), LOSS_TOL);
    }

    /** The totals, and the 16 unweighted terms in the order the reference accumulates them. */
    private static void checkLosses(GoldenFixture f, String out, LossTerms losses) {
        Map<String, Tensor> terms = losses.tensors();
        close("mse_loss", terms.get(LossTerms.MSE).reshape(1), f.tensor(out + "mse_loss"), LOSS_TOL);
        close("degradation_loss", terms.get(LossTerms.DFC).reshape(1), f.tensor(out + "degradation_loss"), LOSS_TOL);
        close("loss", losses.total().reshape(1), f.tensor(out + "loss"), LOSS_TOL);
        List<Tensor> inSumOrder = new ArrayList<>();
        terms.forEach((k, v) -> {
            if (k.startsWith("dfc_")) {
                inSumOrder.add(v.reshape(1));
            }
        });
        close("dfc_l1_in_sum_order", Torch.cat(0, inSumOrder.toArray(Tensor[]::new)),
                f.tensor(out + "dfc_l1_in_sum_order"), LOSS_TOL);
    }

    // ---------------------------------------------------------------- gradient checks

    /** Both models' parameters keyed as in the file ({@code controlnet.*}, {@code unet.*}), in its order. */
    private static Map<String, Tensor> parametersInFileOrder(GoldenFixture f, XpsrControlNetModel controlNet,
                                                             XpsrUNet2DConditionModel unet) {
        Map<String, Tensor> ours = new LinkedHashMap<>();
        controlNet.namedParameters().forEach((k, v) -> ours.put("controlnet." + k, v));
        unet.namedParameters().forEach((k, v) -> ours.put("unet." + k, v));
        Map<String, Tensor> ordered = new LinkedHashMap<>();
        for (String key : f.file().keys()) {
            if (key.startsWith("controlnet.") || key.startsWith("unet.")) {
                assertThat(ours).as("parameters").containsKey(key);
                ordered.put(key, ours.get(key));
            }
        }
        assertThat(ordered.keySet()).as("every parameter has a weight in the file")
                .containsExactlyInAnyOrderElementsOf(ours.keySet());
        return ordered;
    }

    private static void checkGradients(GoldenFixture f, String out, Map<String, Tensor> params) {
        float[] hasGrad = Torch.toFloats(f.tensor(out + "has_grad"));
        float[] gradNorm = Torch.toFloats(f.tensor(out + "grad_norm"));
        assertThat(params).as("has_grad entries").hasSize(hasGrad.length);
        int i = 0;
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            Tensor grad = e.getValue().grad();
            assertThat(grad.defined()).as("has a gradient: " + e.getKey()).isEqualTo(hasGrad[i] == 1f);
            double norm = grad.defined() ? Torch.vectorNorm(grad.to(ScalarType.Double)).item_double() : 0;
            double relative = Math.abs(norm - gradNorm[i]) / Math.max(gradNorm[i], Double.MIN_NORMAL);
            record("grad_norm (relative)", gradNorm[i] == 0 ? norm : relative);
            assertThat(gradNorm[i] == 0 ? norm : relative).as("grad_norm of " + e.getKey())
                    .isLessThanOrEqualTo(GRAD_NORM_REL_TOL);
            String stored = out + "grad." + e.getKey();
            if (f.has(stored)) {
                Tensor expected = f.tensor(stored);
                double scale = Torch.vectorNorm(expected).item_double() == 0 ? 1
                        : expected.abs().max().item_double();
                double diff = Torch.maxAbsDiff(grad, expected) / scale;
                record("grad.* (relative to max)", diff);
                assertThat(diff).as("gradient of " + e.getKey()).isLessThanOrEqualTo(GRAD_REL_TOL);
            }
            i++;
        }
    }

    // ---------------------------------------------------------------- helpers

    private static JsonNode caseNamed(JsonNode extra, String name) {
        for (JsonNode c : extra.required("cases")) {
            if (c.required("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError(FIXTURE + ": no case " + name);
    }

    /** The indices {@code prefix.0, prefix.1, ...} for which {@code prefix.i<suffix>} is stored. */
    private static List<Integer> indices(GoldenFixture f, String prefix, String suffix) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; f.has(prefix + "." + i + suffix); i++) {
            out.add(i);
        }
        return out;
    }

    private static long[] longs(Tensor t) {
        double[] d = Torch.toDoubles(t);
        long[] out = new long[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = Math.round(d[i]);
        }
        return out;
    }

    private static void close(String what, Tensor actual, Tensor expected, double tol) {
        record(what, Golden.assertClose(what, actual.detach(), expected, tol));
    }

    private static void record(String what, double value) {
        LARGEST.merge(what, value, Math::max);
    }
}
