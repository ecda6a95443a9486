package dev.xpsr.train;

import dev.xpsr.model.XpsrControlNetModel;
import dev.xpsr.model.XpsrUNet2DConditionModel;
import dev.xpsr.nn.TextContext;
import dev.xpsr.scheduler.DDPMScheduler;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * What the trained networks compute in one micro-batch, once the frozen VAE and text encoder have run
 * ({@code train.py} l.857-906):
 * <pre>
 * z_t  = add_noise(z, ε, t)                                 per sample, ᾱ_t in float32
 * ControlNet(z_t, t, E_high, E_low, LR) → 12 + 1 residuals, 13 latent and 3 pixel DFC predictions
 * pred = UNet(z_t, t, E_high, E_low, residuals)
 * target = ε (epsilon) or get_velocity(z, ε, t) (v_prediction)   l.888-891
 * loss = {@link XpsrLoss}(pred, target, DFC predictions, HR, z)
 * </pre>
 * A negative sample (an ablation switch, {@link TrainingSwitches}) is noised from, and its target computed with,
 * the latent of its degraded image in place of z; the DFC targets stay the HR and z.
 * Backward from {@link Pass#losses()}'s total gives the gradients of every parameter that requires them.
 */
public final class TrainingObjective {
    private final XpsrControlNetModel controlNet;
    private final XpsrUNet2DConditionModel unet;
    private final DDPMScheduler scheduler;
    private final double pixelDfcWeight;
    private final double latentDfcWeight;
    private final PerSample target;

    /**
     * What the trained networks see of a micro-batch.
     *
     * @param pixelValues  HR (B, 3, H, W) in [−1, 1], the pixel DFC target
     * @param conditioning LR at HR size (B, 3, H, W) in [0, 1], the ControlNet's image
     * @param latents      z = scaling · VAE sample (B, 4, H/8, W/8), clean, the latent DFC target
     * @param texts        the high- and low-level prompt embeddings
     * @param diffusionLatents the clean latents that are noised and predicted: z, or for a negative sample the
     *                     latent of its degraded image
     */
    public record Inputs(Tensor pixelValues, Tensor conditioning, Tensor latents, TextContext texts,
                         Tensor diffusionLatents) {
        /** The inputs of samples diffused from z itself (every sample of XPSR's own training). */
        public Inputs(Tensor pixelValues, Tensor conditioning, Tensor latents, TextContext texts) {
            this(pixelValues, conditioning, latents, texts, latents);
        }
    }

    /** One pass: the noised input, the ControlNet's outputs, the prediction, its target and the losses. */
    public record Pass(Tensor noisyLatents, XpsrControlNetModel.Result heads, Tensor prediction, Tensor target,
                       LossTerms losses) {
    }

    /**
     * @param scheduler its config's {@code prediction_type} picks the target
     * @param dfcWeight λ of every Degradation-Free term
     */
    public TrainingObjective(XpsrControlNetModel controlNet, XpsrUNet2DConditionModel unet, DDPMScheduler scheduler,
                             double dfcWeight) {
        this(controlNet, unet, scheduler, dfcWeight, dfcWeight);
    }

    /**
     * @param pixelDfcWeight  λ of the pixel-space DFC terms
     * @param latentDfcWeight λ of the latent-space DFC terms
     */
    public TrainingObjective(XpsrControlNetModel controlNet, XpsrUNet2DConditionModel unet, DDPMScheduler scheduler,
                             double pixelDfcWeight, double latentDfcWeight) {
        this.controlNet = controlNet;
        this.unet = unet;
        this.scheduler = scheduler;
        this.pixelDfcWeight = pixelDfcWeight;
        this.latentDfcWeight = latentDfcWeight;
        this.target = target(scheduler.config().predictionType());
    }

    /**
     * @param noise     ε, shaped like the latents
     * @param timesteps one training timestep per sample
     */
    public Pass run(Inputs in, Tensor noise, long[] timesteps) {
        Tensor noisy = perSample(in.diffusionLatents(), noise, timesteps, scheduler::addNoise);
        Tensor t = Torch.fromLongs(timesteps, timesteps.length).to(noise.device(), ScalarType.Long);
        XpsrControlNetModel.Result heads = controlNet.forward(noisy, t, in.texts(), in.conditioning(), 1.0);
        Tensor prediction = unet.forward(noisy, t, in.texts(), heads.residuals().down(), heads.residuals().mid());
        Tensor goal = target.apply(in.diffusionLatents(), noise, timesteps);
        LossTerms losses = XpsrLoss.compute(prediction, goal, heads, in.pixelValues(), in.latents(), pixelDfcWeight,
                latentDfcWeight);
        return new Pass(noisy, heads, prediction, goal, losses);
    }

    /** The regression target of a prediction type, failing early on one the trainer does not know. */
    private PerSample target(String predictionType) {
        return switch (predictionType) {
            case "epsilon" -> (latents, noise, timesteps) -> noise;
            case "v_prediction" -> (latents, noise, timesteps) -> perSample(latents, noise, timesteps,
                    scheduler::getVelocity);
            default -> throw new IllegalArgumentException("prediction_type '" + predictionType + "' in the scheduler "
                    + "config cannot be trained; train.py supports epsilon and v_prediction");
        };
    }

    private interface PerSample {
        Tensor apply(Tensor latents, Tensor noise, long[] timesteps);
    }

    private interface OneSample {
        Tensor apply(Tensor sample, Tensor noise, long timestep);
    }

    /** {@code f} applied to each sample with its own timestep, as diffusers indexes ᾱ with a timestep per sample. */
    private static Tensor perSample(Tensor latents, Tensor noise, long[] timesteps, OneSample f) {
        Tensor[] parts = new Tensor[timesteps.length];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = f.apply(latents.narrow(0, i, 1), noise.narrow(0, i, 1), timesteps[i]);
        }
        return Torch.cat(0, parts);
    }
}
