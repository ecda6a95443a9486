package dev.xpsr.pipeline;

import dev.xpsr.io.RgbImage;
import dev.xpsr.model.AutoencoderKL;
import dev.xpsr.model.ControlNetModel;
import dev.xpsr.nn.TextContext;
import dev.xpsr.pipeline.XpsrModels.Network;
import dev.xpsr.scheduler.NoiseSource;
import dev.xpsr.scheduler.Scheduler;
import dev.xpsr.scheduler.Schedulers;
import dev.xpsr.torch.ImageTensors;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.util.List;

/**
 * XPSR inference ({@code test.py} + {@code pipelines/pipeline_xpsr.py}), one image at a time:
 * <ol>
 *   <li>preprocess the LR image ({@link Preprocess}: ×4 PIL bicubic, shorter side to 512, sides to multiples of 8);</li>
 *   <li>encode the four prompts with CLIP; the guidance batch is [unconditional, conditional];</li>
 *   <li>start latent: (tiled) VAE posterior sample of the control image × scaling factor, noised to the first
 *       timestep, then noised again at {@code added_noise_level} (or pure noise);</li>
 *   <li>for each timestep: ControlNet and UNet on the 2-batch in one forward (tiled with Gaussian weights when the
 *       latent is large), classifier-free guidance, scheduler step;</li>
 *   <li>(tiled) decode, post-process to 8 bit, colour fix against the control image, resize to 4·(w, h).</li>
 * </ol>
 * Every random draw comes from one {@link NoiseSource} in the order {@link GeneratorNoise} documents. After each
 * stage the pipeline tells the models it is {@link XpsrModels#done done} with that stage's networks, so that
 * sequentially resident models hold only one stage's weights at a time. Each stage and each step frees its tensors
 * on return ({@link PointerScope}); only the running latent survives from one step to the next.
 */
public final class XpsrPipeline {
    private final XpsrModels models;

    /** Observes the loop: called after each scheduler step (inside that step's scope). */
    @FunctionalInterface
    public interface StepListener {
        void onStep(int index, int total, long timestep, Tensor guidedNoise, Tensor latents);

        StepListener NONE = (index, total, timestep, guidedNoise, latents) -> { };
    }

    /** The restored image and the intermediate images. */
    public record Result(RgbImage image, RgbImage beforeColorFix, Preprocess.Prepared prepared) {
    }

    public XpsrPipeline(XpsrModels models) {
        NativeStartup.ensureStarted(NativeStartup.threads());
        this.models = models;
    }

    public XpsrModels models() {
        return models;
    }

    /** Restores {@code lr} with the options' seed. */
    public Result upscale(RgbImage lr, Prompts prompts, UpscaleOptions options, StepListener listener) {
        return upscale(lr, prompts, options, new GeneratorNoise(options.seed()), listener);
    }

    /** Restores {@code lr} drawing every random tensor from {@code noise}. */
    public Result upscale(RgbImage lr, Prompts prompts, UpscaleOptions options, NoiseSource noise,
                          StepListener listener) {
        Preprocess preprocess = new Preprocess(options.upscale(), options.processSize());
        Preprocess.Prepared prepared = preprocess.prepare(lr);
        RgbImage generated;
        try (AutoCloseable mode = Torch.inferenceMode(); PointerScope scope = new PointerScope()) {
            generated = generate(prepared.controlImage(), prompts, options, noise, listener);
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
                             StepListener listener) {
        TextContext ctx = encodePrompts(prompts);
        models.done(Network.TEXT_ENCODER);
        Tensor image = placed(ImageTensors.toTensor(control));
        NoiseSource noise = shape -> placed(drawn.next(shape));
        Scheduler scheduler = Schedulers.create(options.sampler(), models.schedulerConfig());
        scheduler.setTimesteps(options.steps());
        Tensor latents = initialLatents(image, scheduler, options, noise);
        models.done(Network.VAE);
        latents = denoise(latents, ctx, Torch.cat(0, image, image), scheduler, options, noise, listener);
        models.done(Network.CONTROLNET, Network.UNET);
        Tensor decoded = decode(latents, options.vaeTiles());
        models.done(Network.VAE);
        return ImageTensors.fromVaeOutput(decoded.select(0, 0));
    }

    /** [negative, positive] and [low-level negative, low-level] CLIP embeddings, each (2, 77, D). */
    public TextContext encodePrompts(Prompts p) {
        Tensor text = Torch.cat(0, encodeText(p.negative()), encodeText(p.positive()));
        Tensor low = Torch.cat(0, encodeText(p.lowlevelNegative()), encodeText(p.lowlevel()));
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
            int c = models.vae().latentChannels();
            z = noise.next(new long[] {1, c, image.size(2) / 8, image.size(3) / 8});
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

    /** The denoising loop; returns the final latent (retained beyond the caller's scope). */
    public Tensor denoise(Tensor latents, TextContext ctx, Tensor control2, Scheduler scheduler, UpscaleOptions options,
                          NoiseSource noise, StepListener listener) {
        long[] timesteps = scheduler.timesteps();
        Tensor z = latents;
        z.retainReference();
        for (int i = 0; i < timesteps.length; i++) {
            try (PointerScope step = new PointerScope()) {
                long t = timesteps[i];
                Tensor eps = guidedNoise(z, t, ctx, control2, scheduler, options);
                Tensor next = scheduler.step(eps, t, z, noise).prevSample();
                listener.onStep(i, timesteps.length, t, eps, next);
                next.retainReference();
                z.releaseReference();
                z = next;
            }
        }
        return z;
    }

    /** ε̂ = ε_u + g·(ε_c − ε_u) from one batched pass over [z, z]. */
    public Tensor guidedNoise(Tensor z, long t, TextContext ctx, Tensor control2, Scheduler scheduler,
                              UpscaleOptions options) {
        Tensor x = scheduler.scaleModelInput(Torch.cat(0, z, z), t);
        Tensor[] halves = Torch.chunk(noisePrediction(x, t, ctx, control2, options), 2, 0);
        return Torch.addScaled(halves[0], halves[1].sub(halves[0]), options.guidance());
    }

    /** The 2-batch noise prediction of ControlNet + UNet, tiled when the latent exceeds the tile area. */
    public Tensor noisePrediction(Tensor x, long t, TextContext ctx, Tensor control2, UpscaleOptions options) {
        int h = (int) x.size(2);
        int w = (int) x.size(3);
        if (!LatentTiles.needed(h, w, options.latentTileSize())) {
            return controlledUnet(x, t, ctx, control2, options.conditioningScale());
        }
        return tiledNoisePrediction(x, t, ctx, control2, options, LatentTiles.grid(h, w, options.latentTileSize(),
                options.latentTileOverlap()));
    }

    /** One ControlNet + UNet pass. */
    public Tensor controlledUnet(Tensor x, long t, TextContext ctx, Tensor control, double conditioningScale) {
        Tensor timestep = Torch.scalarTensor(t);
        ControlNetModel.Output residuals = models.controlNet().forward(x, timestep, ctx, control, conditioningScale)
                .residuals();
        return models.unet().forward(x, timestep, ctx, residuals.down(), residuals.mid());
    }

    /**
     * Mixture-of-diffusers tiling as XPSR does it: each tile (with its ×8 control-image crop) predicts noise, the
     * predictions are blended with Gaussian weights and divided by the summed weights.
     */
    Tensor tiledNoisePrediction(Tensor x, long t, TextContext ctx, Tensor control2, UpscaleOptions options,
                                        List<LatentTiles.Tile> tiles) {
        int tile = tiles.get(0).size();
        Tensor weights = placed(TileWeights.gaussian(tile, tile, 1, (int) x.size(1)));
        Tensor sum = Torch.zerosLike(x);
        Tensor contributors = Torch.zerosLike(x);
        for (LatentTiles.Tile tl : tiles) {
            try (PointerScope scope = new PointerScope()) {
                Tensor xt = x.narrow(2, tl.y(), tile).narrow(3, tl.x(), tile);
                Tensor ct = control2.narrow(2, tl.y() * 8L, tile * 8L).narrow(3, tl.x() * 8L, tile * 8L);
                Tensor eps = controlledUnet(xt, t, ctx, ct, options.conditioningScale());
                sum.narrow(2, tl.y(), tile).narrow(3, tl.x(), tile).add_(eps.mul(weights));
                contributors.narrow(2, tl.y(), tile).narrow(3, tl.x(), tile).add_(weights);
            }
        }
        return sum.div(contributors);
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
