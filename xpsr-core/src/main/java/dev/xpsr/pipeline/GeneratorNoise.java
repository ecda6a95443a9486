package dev.xpsr.pipeline;

import dev.xpsr.scheduler.NoiseSource;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

/**
 * All random draws of one restoration from one seeded CPU generator, like XPSR's
 * {@code torch.Generator().manual_seed(seed)}: libtorch's CPU generator is PyTorch's, so the same seed gives the
 * same draws. Draw order (documented contract): the VAE posterior sample, the noise that brings the LR latent to
 * the first timestep, the noise at {@code added_noise_level}, then one draw per scheduler step that adds noise.
 * (Starting from pure noise replaces the first three with one draw of the latent.)
 */
public final class GeneratorNoise implements NoiseSource {
    private final Generator generator;

    public GeneratorNoise(long seed) {
        this.generator = Torch.generator(seed);
    }

    @Override
    public Tensor next(long[] shape) {
        return Torch.randn(generator, shape);
    }
}
