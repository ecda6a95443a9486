package dev.xpsr.train;

import dev.xpsr.model.AutoencoderKL;
import dev.xpsr.nn.TextContext;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The forward pass of one micro-batch, as the body of {@code train.py}'s loop:
 * <ol>
 *   <li>z = scaling · VAE(HR).sample (frozen, no grad);</li>
 *   <li>ε ~ N(0, I), t ~ U{0 … T−1} per sample, z_t = add_noise(z, ε, t);</li>
 *   <li>CLIP embeddings of the high- and low-level texts (frozen, no grad);</li>
 *   <li>{@link TrainingObjective}: ControlNet and UNet on z_t, the target, {@link XpsrLoss}.</li>
 * </ol>
 * Random draws come from one generator in the order: VAE posterior noise, ε, timesteps, then the posterior noise
 * of the negative samples' degraded images (only when a batch has any). The {@link TrainingSwitches} decide the
 * low-level context (none when {@code lowlevel_prompt_source} is {@code none}), the λ of each head group, and that
 * a negative sample's diffusion target is the latent of its degraded image while its DFC targets stay the HR's.
 */
public final class TrainingStep {
    private final TrainingModels models;
    private final TrainingSwitches switches;
    private final TrainingObjective objective;

    /**
     * The tensors of one micro-batch.
     *
     * @param negatives the indices of the negative samples
     */
    public record Batch(Tensor pixelValues, Tensor conditioning, List<String> highlevel, List<String> lowlevel,
                        List<Integer> negatives) {
        /** A batch without negative samples. */
        public Batch(Tensor pixelValues, Tensor conditioning, List<String> highlevel, List<String> lowlevel) {
            this(pixelValues, conditioning, highlevel, lowlevel, List.of());
        }

        /** Stacks samples into a batch. */
        public static Batch of(List<TrainingSample> samples) {
            Tensor[] hr = new Tensor[samples.size()];
            Tensor[] cond = new Tensor[samples.size()];
            List<String> high = new ArrayList<>();
            List<String> low = new ArrayList<>();
            List<Integer> negatives = new ArrayList<>();
            for (int i = 0; i < hr.length; i++) {
                hr[i] = samples.get(i).pixelValues();
                cond[i] = samples.get(i).conditioning();
                high.add(samples.get(i).highlevel());
                low.add(samples.get(i).lowlevel());
                if (samples.get(i).negative()) {
                    negatives.add(i);
                }
            }
            return new Batch(Torch.cat(0, hr), Torch.cat(0, cond), high, low, List.copyOf(negatives));
        }

        public int size() {
            return (int) pixelValues.size(0);
        }
    }

    /** XPSR's own training step with {@code dfcWeight} as the λ of every DFC term. */
    public TrainingStep(TrainingModels models, double dfcWeight) {
        this(models, TrainingSwitches.xpsr(dfcWeight));
    }

    public TrainingStep(TrainingModels models, TrainingSwitches switches) {
        this.models = models;
        this.switches = switches;
        this.objective = new TrainingObjective(models.controlNet, models.unet, models.noiseScheduler,
                switches.pixelDfcWeight(), switches.latentDfcWeight());
    }

    /** The losses of {@code batch} with the draws of {@code generator}. */
    public LossTerms forward(Batch batch, Generator generator) {
        Tensor latents = sampleLatents(frozenInput(batch.pixelValues()), generator);
        Tensor noise = place(Torch.randn(generator, Torch.shape(latents))).to(latents.scalar_type());
        long[] timesteps = longs(Torch.randint(generator, models.schedulerConfig.numTrainTimesteps(), batch.size()));
        return forward(batch, latents, diffusionLatents(batch, latents, generator), noise, timesteps);
    }

    /**
     * The losses for given draws: a fixed noise and timestep make the loss a deterministic function of the
     * weights (what a convergence check needs). The batch's samples are diffused from {@code latents}.
     *
     * @param latents z (B, 4, h, w), already scaled
     */
    public LossTerms forward(Batch batch, Tensor latents, Tensor noise, long[] timesteps) {
        return forward(batch, latents, latents, noise, timesteps);
    }

    /**
     * @param latents          z of the HR (the latent DFC targets)
     * @param diffusionLatents the latents that are noised and denoised (differing from {@code latents} for
     *                         negative samples)
     */
    private LossTerms forward(Batch batch, Tensor latents, Tensor diffusionLatents, Tensor noise, long[] timesteps) {
        TrainingObjective.Inputs in = new TrainingObjective.Inputs(frozenInput(batch.pixelValues()),
                frozenInput(batch.conditioning()), latents, encodeTexts(batch), diffusionLatents);
        return objective.run(in, noise, timesteps).losses();
    }

    /** z = scaling · VAE(pixels).sample, the posterior noise drawn from {@code generator} (frozen, no grad). */
    private Tensor sampleLatents(Tensor pixels, Generator generator) {
        try (AutoCloseable g = Torch.noGrad()) {
            AutoencoderKL.Posterior posterior = models.vae.encode(pixels);
            Tensor sample = posterior.sample(place(Torch.randn(generator, Torch.shape(posterior.mean)))
                    .to(posterior.mean.scalar_type()));
            return Torch.mul(sample, models.vae.scalingFactor());
        } catch (Exception e) {
            throw rethrow(e);
        }
    }

    /** The HR latents, with each negative sample's row replaced by the latent of its degraded image. */
    private Tensor diffusionLatents(Batch batch, Tensor latents, Generator generator) {
        List<Integer> negatives = batch.negatives();
        if (negatives.isEmpty()) {
            return latents;
        }
        Tensor[] degraded = new Tensor[negatives.size()];
        for (int k = 0; k < degraded.length; k++) {
            degraded[k] = batch.conditioning().narrow(0, negatives.get(k), 1);
        }
        Tensor pixels = Torch.add(Torch.mul(Torch.cat(0, degraded), 2.0), -1.0);
        Tensor encoded = sampleLatents(frozenInput(pixels), generator);
        Tensor[] rows = new Tensor[batch.size()];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = latents.narrow(0, i, 1);
        }
        for (int k = 0; k < degraded.length; k++) {
            rows[negatives.get(k)] = encoded.narrow(0, k, 1);
        }
        return Torch.cat(0, rows);
    }

    /** The VAE latent z of a batch's HR (no noise drawn: the posterior mean), for fixed-draw checks. */
    public Tensor meanLatents(Batch batch) {
        try (AutoCloseable g = Torch.noGrad()) {
            return Torch.mul(models.vae.encode(frozenInput(batch.pixelValues())).mean, models.vae.scalingFactor());
        } catch (Exception e) {
            throw rethrow(e);
        }
    }

    /**
     * CLIP last_hidden_state of each text of the batch, high-level and low-level (frozen, no grad); no low-level
     * context when the switches say none.
     */
    private TextContext encodeTexts(Batch batch) {
        try (AutoCloseable g = Torch.noGrad()) {
            Tensor high = encode(batch.highlevel());
            return switches.usesLowlevelContext() ? new TextContext(high, encode(batch.lowlevel()))
                    : TextContext.of(high);
        } catch (Exception e) {
            throw rethrow(e);
        }
    }

    private Tensor encode(List<String> texts) {
        int length = 0;
        List<int[]> ids = new ArrayList<>();
        for (String s : texts) {
            int[] row = models.tokenizer.encode(s);
            ids.add(row);
            length = row.length;
        }
        long[] flat = new long[texts.size() * length];
        for (int i = 0; i < ids.size(); i++) {
            for (int j = 0; j < length; j++) {
                flat[i * length + j] = ids.get(i)[j];
            }
        }
        return models.textEncoder.forward(place(Torch.fromLongs(flat, texts.size(), length)));
    }

    /** {@code t} on the device in the frozen networks' precision ({@code .to(device, dtype=weight_dtype)}). */
    private Tensor frozenInput(Tensor t) {
        return place(t).to(models.vae.encoder.conv_in.weight.scalar_type());
    }

    private Tensor place(Tensor t) {
        return models.placement.place(t);
    }

    private static long[] longs(Tensor t) {
        double[] d = Torch.toDoubles(t);
        long[] out = new long[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = (long) d[i];
        }
        return out;
    }

    private static RuntimeException rethrow(Exception e) {
        return e instanceof RuntimeException r ? r : new IllegalStateException(e);
    }
}
