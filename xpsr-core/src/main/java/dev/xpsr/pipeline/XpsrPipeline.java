package dev.xpsr.pipeline;

import dev.xpsr.io.RgbImage;
import dev.xpsr.model.AutoencoderKL;
import dev.xpsr.model.ControlNetModel;
import dev.xpsr.model.XpsrControlNetModel;
import dev.xpsr.nn.TextContext;
import dev.xpsr.pipeline.XpsrModels.Network;
import dev.xpsr.scheduler.NoiseSource;
import dev.xpsr.scheduler.Scheduler;
import dev.xpsr.scheduler.StepOutput;
import dev.xpsr.torch.ImageTensors;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Profiler;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;

/**
 * XPSR inference ({@code test.py} + {@code pipelines/pipeline_xpsr.py}), one image at a time:
 * <ol>
 *   <li>preprocess the LR image ({@link Preprocess}: ×4 (or the options' scale or size) PIL bicubic, shorter side
 *       to 512, sides to multiples of 8);</li>
 *   <li>encode the four prompts with CLIP; the guidance batch is [unconditional, conditional] (the conditional
 *       prompts alone when the guidance scale is 1 or less; no low-level context when that prompt is switched
 *       off, see {@link UpscaleOptions});</li>
 *   <li>start latent: (tiled) VAE posterior sample of the control image × scaling factor, noised to the first
 *       timestep, then noised again at {@code added_noise_level} (or pure noise);</li>
 *   <li>for each timestep: ControlNet and UNet on the 2-batch in one forward (tiled with Gaussian weights when the
 *       latent is large), classifier-free guidance, scheduler step;</li>
 *   <li>(tiled) decode, post-process to 8 bit, colour fix against the control image, resize to 4·(w, h) (or the
 *       options' scale or size).</li>
 * </ol>
 * Every random draw comes from one {@link NoiseSource} in the order {@link GeneratorNoise} documents. Each stage
 * holds a {@link XpsrModels#use lease} on its networks only while it runs, so that sequentially resident models
 * hold only the running stage's weights. Each stage and each step frees its tensors on return
 * ({@link PointerScope}), also when it fails or is cancelled; only the running latent survives from one step to
 * the next.
 *
 * <p>An {@link Observer} is told of each stage and step and asked before each whether to stop: a cancelled
 * restoration ends with a {@link CancellationException} before the next stage or step starts. A pipeline holds no
 * state of its own between calls; calls on several threads are safe when their models are.
 */
public final class XpsrPipeline {
    private final XpsrModels models;

    /** The stages of one restoration, in order. */
    public enum Stage { PROMPTS, ENCODE, DENOISE, DECODE }

    /**
     * One finished denoising step; its tensors live until the step's scope closes (copy what must outlive it).
     *
     * @param index             0-based step number
     * @param total             number of steps
     * @param timestep          the step's timestep
     * @param guidedNoise       the guided noise prediction ε̂
     * @param latents           the latent after the step (x_{t−1})
     * @param predictedOriginal the scheduler's estimate of the clean latent x̂₀ at this step
     */
    public record Step(int index, int total, long timestep, Tensor guidedNoise, Tensor latents,
                       Tensor predictedOriginal) {
    }

    /** Watches and steers one restoration. */
    public interface Observer {
        /** Observes nothing and never cancels. */
        Observer NONE = new Observer() {
        };

        /** Called before each stage starts. */
        default void stage(Stage stage) {
        }

        /** Called after each scheduler step, inside that step's scope. */
        default void step(Step step) {
        }

        /** Asked before each stage and each step: true stops the restoration with a {@link CancellationException}. */
        default boolean cancelled() {
            return false;
        }

        /** An observer of steps only. */
        static Observer onStep(Consumer<Step> steps) {
            return new Observer() {
                @Override
                public void step(Step step) {
                    steps.accept(step);
                }
            };
        }
    }

    /** The restored image and the intermediate images. */
    public record Result(RgbImage image, RgbImage beforeColorFix, Preprocess.Prepared prepared) {
    }

    public XpsrPipeline(XpsrModels models) {
        NativeStartup.ensureStarted();
        this.models = models;
    }

    public XpsrModels models() {
        return models;
    }

    /** Restores {@code lr} with the options' seed. */
    public Result upscale(RgbImage lr, Prompts prompts, UpscaleOptions options, Observer observer) {
        return upscale(lr, prompts, options, new GeneratorNoise(options.seed()), observer);
    }

    /** Restores {@code lr} drawing every random tensor from {@code noise}; the options' prompt switches apply. */
    public Result upscale(RgbImage lr, Prompts prompts, UpscaleOptions options, NoiseSource noise,
                          Observer observer) {
        Preprocess preprocess = new Preprocess(options.upscale(), options.processSize(), options.outputSize());
        Preprocess.Prepared prepared = preprocess.prepare(lr);
        RgbImage generated;
        try (AutoCloseable mode = Torch.inferenceMode(); PointerScope scope = new PointerScope()) {
            generated = generate(prepared.controlImage(), prompts, options, noise, observer);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        RgbImage fixed = options.colorFix().apply(generated, prepared.controlImage());
        return new Result(preprocess.restoreSize(fixed, prepared), generated, prepared);
    }

    /** Diffusion on an already preprocessed control image; returns the decoded, post-processed 8-bit image. */
    public RgbImage generate(RgbImage control, Prompts prompts, UpscaleOptions options, NoiseSource drawn,
                             Observer observer) {
        enter(Stage.PROMPTS, observer);
        TextContext ctx;
        try (XpsrModels.Lease lease = models.use(Network.TEXT_ENCODER)) {
            ctx = encodePrompts(prompts.under(options), options);
        }
        Tensor image = placed(ImageTensors.toTensor(control));
        NoiseSource noise = shape -> placed(drawn.next(shape));
        Scheduler scheduler = options.sampler().create(models.schedulerConfig());
        scheduler.setTimesteps(options.steps());
        enter(Stage.ENCODE, observer);
        Tensor latents;
        try (XpsrModels.Lease lease = models.use(Network.VAE)) {
            latents = initialLatents(image, scheduler, options, noise);
        }
        enter(Stage.DENOISE, observer);
        try (XpsrModels.Lease lease = models.use(Network.CONTROLNET, Network.UNET)) {
            Tensor batch = options.classifierFreeGuidance() ? Torch.cat(0, image, image) : image;
            latents = denoise(latents, ctx, batch, scheduler, options, noise, observer);
        }
        enter(Stage.DECODE, observer);
        Tensor decoded;
        try (XpsrModels.Lease lease = models.use(Network.VAE)) {
            decoded = decode(latents, options.vaeTiles());
        }
        return ImageTensors.fromVaeOutput(decoded.select(0, 0));
    }

    private static void enter(Stage stage, Observer observer) {
        if (observer.cancelled()) {
            throw new CancellationException("restoration cancelled before stage " + stage);
        }
        observer.stage(stage);
    }

    /** [negative, positive] and [low-level negative, low-level] CLIP embeddings, each (2, 77, D). */
    public TextContext encodePrompts(Prompts p) {
        return encodePrompts(p, UpscaleOptions.DEFAULTS);
    }

    /**
     * The CLIP embeddings the networks attend to under {@code options}: with classifier-free guidance [negative,
     * positive] (2, 77, D), without it the positive alone (1, 77, D); the low-level pair likewise, or none when the
     * low-level prompt is switched off.
     */
    public TextContext encodePrompts(Prompts p, UpscaleOptions options) {
        boolean guided = options.classifierFreeGuidance();
        Tensor text = guided ? Torch.cat(0, encodeText(p.negative()), encodeText(p.positive()))
                : encodeText(p.positive());
        if (!options.usesLowlevelPrompt()) {
            return TextContext.of(text);
        }
        Tensor low = guided ? Torch.cat(0, encodeText(p.lowlevelNegative()), encodeText(p.lowlevel()))
                : encodeText(p.lowlevel());
        return new TextContext(text, low);
    }

    /** CLIP {@code last_hidden_state} (1, 77, D) of one text, tokenized with padding to 77. */
    public Tensor encodeText(String text) {
        int[] ids = models.tokenizer().encode(text);
        long[] longs = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            longs[i] = ids[i];
        }
        return Torch.scoped(() -> models.textEncoder().forward(placed(Torch.fromLongs(longs, 1, ids.length))));
    }

    /**
     * The start latent ({@code prepare_latents}): z = s·VAE(2x−1).sample, z = addNoise(z, ε₁, t₀),
     * z = addNoise(z, ε₂, added_noise_level); or pure noise. Multiplied by the scheduler's initial sigma.
     *
     * @param image control image (1, 3, H, W) in [0, 1]
     */
    public Tensor initialLatents(Tensor image, Scheduler scheduler, UpscaleOptions options, NoiseSource noise) {
        Tensor z;
        if (options.startFromNoise()) {
            AutoencoderKL vae = models.vae();
            int f = vae.downFactor();
            z = noise.next(new long[] {1, vae.latentChannels(), image.size(2) / f, image.size(3) / f});
        } else {
            // a scope of its own: the encoder's activations are freed here, not at the end of the image
            z = Torch.scoped(() -> {
                TiledVae vae = new TiledVae(options.vaeTiles());
                AutoencoderKL.Posterior posterior = vae.encode(models.vae(), Torch.add(Torch.mul(image, 2.0), -1.0));
                Tensor sample = posterior.sample(noise.next(Torch.shape(posterior.mean)));
                return Torch.mul(sample, models.vae().scalingFactor());
            });
            long first = scheduler.timesteps()[0];
            z = scheduler.addNoise(z, noise.next(Torch.shape(z)), first);
            z = scheduler.addNoise(z, noise.next(Torch.shape(z)), options.addedNoiseLevel());
        }
        return Torch.mul(z, scheduler.initNoiseSigma());
    }

    /**
     * The denoising loop; returns the final latent (retained beyond the caller's scope). Checks for cancellation
     * before each step; a failed or cancelled loop leaves nothing retained.
     *
     * @param control the control image, batched as {@code ctx} is (doubled under classifier-free guidance)
     */
    public Tensor denoise(Tensor latents, TextContext ctx, Tensor control, Scheduler scheduler, UpscaleOptions options,
                          NoiseSource noise, Observer observer) {
        long[] timesteps = scheduler.timesteps();
        Tensor z = latents;
        z.retainReference();
        ConditionCache conditions = ConditionCache.open();
        try {
            for (int i = 0; i < timesteps.length; i++) {
                if (observer.cancelled()) {
                    throw new CancellationException("restoration cancelled before step " + (i + 1) + " of "
                            + timesteps.length);
                }
                try (PointerScope step = new PointerScope()) {
                    long t = timesteps[i];
                    Tensor eps = guidedNoise(z, t, ctx, control, scheduler, options);
                    StepOutput out = scheduler.step(eps, t, z, noise);
                    Tensor next = out.prevSample();
                    observer.step(new Step(i, timesteps.length, t, eps, next, out.predOriginalSample()));
                    next.retainReference();
                    z.releaseReference();
                    z = next;
                }
            }
        } catch (RuntimeException | Error e) {
            z.releaseReference();
            throw e;
        } finally {
            conditions.close();
        }
        return z;
    }

    /**
     * ε̂ = ε_u + g·(ε_c − ε_u) from one batched pass over [z, z]; without classifier-free guidance (g ≤ 1) the
     * conditional prediction ε_c of one pass over z.
     */
    public Tensor guidedNoise(Tensor z, long t, TextContext ctx, Tensor control, Scheduler scheduler,
                              UpscaleOptions options) {
        if (!options.classifierFreeGuidance()) {
            return noisePrediction(scheduler.scaleModelInput(z, t), t, ctx, control, options);
        }
        Tensor x = scheduler.scaleModelInput(Torch.cat(0, z, z), t);
        Tensor[] halves = Torch.chunk(noisePrediction(x, t, ctx, control, options), 2, 0);
        return Torch.addScaled(halves[0], halves[1].sub(halves[0]), options.guidance());
    }

    /** The batched noise prediction of ControlNet + UNet, tiled when the latent exceeds the tile area. */
    public Tensor noisePrediction(Tensor x, long t, TextContext ctx, Tensor control, UpscaleOptions options) {
        int h = (int) x.size(2);
        int w = (int) x.size(3);
        if (!LatentTiles.needed(h, w, options.latentTileSize())) {
            return controlledUnet(x, t, ctx, control, options.conditioningScale());
        }
        return tiledNoisePrediction(x, t, ctx, control, options, LatentTiles.grid(h, w, options.latentTileSize(),
                options.latentTileOverlap()));
    }

    /** One ControlNet + UNet pass. */
    public Tensor controlledUnet(Tensor x, long t, TextContext ctx, Tensor control, double conditioningScale) {
        Tensor timestep = Torch.scalarTensor(t);
        XpsrControlNetModel controlNet = models.controlNet();
        ControlNetModel.Output residuals = Profiler.network("ControlNet", () -> controlNet.residuals(x, timestep, ctx,
                ConditionCache.encode(controlNet, control), conditioningScale));
        return Profiler.network("UNet", () -> models.unet().forward(x, timestep, ctx, residuals.down(),
                residuals.mid()));
    }

    /**
     * Mixture-of-diffusers tiling as XPSR does it: each tile (with its control-image crop, ×8 for SD's VAE: the
     * reference hard-codes 8, here it is the control image's size over the latent's) predicts noise, the
     * predictions are blended with Gaussian weights and divided by the summed weights.
     */
    Tensor tiledNoisePrediction(Tensor x, long t, TextContext ctx, Tensor control, UpscaleOptions options,
                                List<LatentTiles.Tile> tiles) {
        int tile = tiles.get(0).size();
        long f = controlPixelsPerLatent(control, x);
        Tensor weights = placed(TileWeights.gaussian(tile, tile, 1, (int) x.size(1)));
        Tensor sum = Torch.zerosLike(x);
        Tensor contributors = Torch.zerosLike(x);
        for (LatentTiles.Tile tl : tiles) {
            try (PointerScope scope = new PointerScope()) {
                Tensor xt = x.narrow(2, tl.y(), tile).narrow(3, tl.x(), tile);
                Tensor ct = control.narrow(2, tl.y() * f, tile * f).narrow(3, tl.x() * f, tile * f);
                Tensor eps = controlledUnet(xt, t, ctx, ct, options.conditioningScale());
                sum.narrow(2, tl.y(), tile).narrow(3, tl.x(), tile).add_(eps.mul(weights));
                contributors.narrow(2, tl.y(), tile).narrow(3, tl.x(), tile).add_(weights);
            }
        }
        return sum.div(contributors);
    }

    /** The VAE's down factor as the two tensors show it: control image (·, ·, f·h, f·w) over latent (·, ·, h, w). */
    private static long controlPixelsPerLatent(Tensor control, Tensor latent) {
        long f = control.size(2) / latent.size(2);
        if (f < 1 || control.size(2) != f * latent.size(2) || control.size(3) != f * latent.size(3)) {
            throw new IllegalArgumentException("control image " + control.size(2) + "x" + control.size(3)
                    + " is not a whole multiple of the latent " + latent.size(2) + "x" + latent.size(3));
        }
        return f;
    }

    /** {@code t} on the models' device, in their precision. */
    private Tensor placed(Tensor t) {
        return models.placement().place(t);
    }

    /**
     * VAE decode of a latent, {@code vae.decode(z / scaling_factor)}, tiled as {@code tiles} say: an image in about
     * [−1, 1].
     */
    public Tensor decode(Tensor latents, TiledVae.Options tiles) {
        return Torch.scoped(() -> new TiledVae(tiles).decode(models.vae(),
                Torch.div(latents, models.vae().scalingFactor())));
    }
}
