package dev.xpsr.model;

import dev.xpsr.golden.Golden;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AutoencoderKLGoldenTest {
    private static final double TOL = 1e-4;

    @Test
    void vaeEncodeAndDecodeMatchDiffusers() throws Exception {
        try (GoldenFixture f = GoldenFixture.open("vae_tiny"); AutoCloseable mode = Torch.inferenceMode()) {
            AutoencoderKL vae = Golden.loadWeights(f, new AutoencoderKL(Golden.config(f)));
            assertThat(vae.scalingFactor()).isEqualTo(Double.parseDouble(f.metadata("scaling_factor")));
            Tensor image = f.tensor("input.image");
            Golden.assertClose("encoder_out", vae.encoder.forward(image), f.tensor("output.encoder_out"), TOL);
            AutoencoderKL.Posterior p = vae.encode(image);
            Golden.assertClose("moments", p.moments, f.tensor("output.moments"), TOL);
            Golden.assertClose("mean", p.mean, f.tensor("output.posterior_mean"), TOL);
            Golden.assertClose("logvar", p.logvar, f.tensor("output.posterior_logvar"), TOL);
            Golden.assertClose("std", p.std, f.tensor("output.posterior_std"), TOL);
            Tensor sample = p.sample(f.tensor("input.posterior_noise"));
            Golden.assertClose("sample", sample, f.tensor("output.posterior_sample"), TOL);
            Golden.assertClose("sample scaled", Torch.mul(sample, vae.scalingFactor()),
                    f.tensor("output.posterior_sample_scaled"), TOL);
            Tensor latent = f.tensor("input.latent");
            Golden.assertClose("decoded", vae.decode(latent), f.tensor("output.decoded"), TOL);
            Golden.assertClose("decoded from latent/scale", vae.decode(Torch.div(latent, vae.scalingFactor())),
                    f.tensor("output.decoded_from_latent_div_scaling"), TOL);
        }
    }
}
