package dev.xpsr.model;

import dev.xpsr.io.JsonConfig;
import dev.xpsr.io.ModelConfigException;
import dev.xpsr.nn.BlockSpec;
import dev.xpsr.nn.Conv2d;
import dev.xpsr.nn.DownBlock2D;
import dev.xpsr.nn.FusionMode;
import dev.xpsr.nn.GroupNorm;
import dev.xpsr.nn.Module;
import dev.xpsr.nn.ModuleList;
import dev.xpsr.nn.UNetMidBlock2D;
import dev.xpsr.nn.UpDecoderBlock2D;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;

/**
 * diffusers 0.21.4 {@code AutoencoderKL} (SD's VAE), built from its config.json.
 *
 * <p>{@link #encode}: image (B, 3, H, W) in [−1, 1] → {@link Posterior} over latents (B, L, H/f, W/f), f = 2^(blocks−1).
 * {@link #decode}: latents → image in about [−1, 1]. The pipeline multiplies samples by {@link #scalingFactor()}
 * and divides by it before decoding.
 */
public final class AutoencoderKL extends Module {
    public final Encoder encoder;
    public final Decoder decoder;
    public final Conv2d quant_conv;
    public final Conv2d post_quant_conv;
    private final double scalingFactor;
    private final int latentChannels;
    private final int[] blockOutChannels;

    public AutoencoderKL(JsonConfig c) {
        for (String t : c.strings("down_block_types")) {
            if (!t.equals("DownEncoderBlock2D")) {
                throw new ModelConfigException(c.source() + ": unknown VAE down block type '" + t + "'; supported: DownEncoderBlock2D");
            }
        }
        for (String t : c.strings("up_block_types")) {
            if (!t.equals("UpDecoderBlock2D")) {
                throw new ModelConfigException(c.source() + ": unknown VAE up block type '" + t + "'; supported: UpDecoderBlock2D");
            }
        }
        c.requireDefault("act_fn", "silu", "only SiLU activations");
        c.requireDefault("mid_block_add_attention", true, "a mid block without attention");
        c.requireDefault("use_quant_conv", true, "a VAE without quant_conv");
        int[] ch = c.integers("block_out_channels");
        this.blockOutChannels = ch.clone();
        int layers = c.integer("layers_per_block", 1);
        int groups = c.integer("norm_num_groups", 32);
        this.latentChannels = c.integer("latent_channels", 4);
        this.scalingFactor = c.number("scaling_factor", 0.18215);
        this.encoder = child("encoder", new Encoder(c.integer("in_channels", 3), ch, layers, groups, latentChannels));
        this.decoder = child("decoder", new Decoder(latentChannels, c.integer("out_channels", 3), ch, layers, groups));
        this.quant_conv = child("quant_conv", new Conv2d(2L * latentChannels, 2L * latentChannels, 1, 1, 0));
        this.post_quant_conv = child("post_quant_conv", new Conv2d(latentChannels, latentChannels, 1, 1, 0));
    }

    public double scalingFactor() {
        return scalingFactor;
    }

    public int latentChannels() {
        return latentChannels;
    }

    /** {@code block_out_channels} of the config, in encoder order (a copy). */
    public int[] blockOutChannels() {
        return blockOutChannels.clone();
    }

    /**
     * Image pixels per latent pixel along each axis: every down block but the last halves the resolution, so
     * f = 2^(blocks − 1) (8 for SD's VAE), diffusers' {@code vae_scale_factor}.
     */
    public int downFactor() {
        return 1 << (blockOutChannels.length - 1);
    }

    /** The latent posterior of an image in [−1, 1]. */
    public Posterior encode(Tensor image) {
        return new Posterior(quant_conv.forward(encoder.forward(image)));
    }

    /** Decodes (unscaled) latents to an image. */
    public Tensor decode(Tensor latents) {
        return decoder.forward(post_quant_conv.forward(latents));
    }

    /**
     * {@code DiagonalGaussianDistribution}: moments (B, 2L, h, w) split into mean and log-variance, the latter
     * clamped to [−30, 20].
     */
    public static final class Posterior {
        public final Tensor moments;
        public final Tensor mean;
        public final Tensor logvar;
        public final Tensor std;

        public Posterior(Tensor moments) {
            this.moments = moments;
            Tensor[] parts = Torch.chunk(moments, 2, 1);
            this.mean = parts[0];
            this.logvar = Torch.clamp(parts[1], -30.0, 20.0);
            this.std = Torch.exp(Torch.mul(logvar, 0.5));
        }

        /** mean + std · ε with ε drawn from {@code generator} (one randn of the mean's shape). */
        public Tensor sample(Generator generator) {
            return sample(Torch.randn(generator, Torch.shape(mean)).to(mean.scalar_type()));
        }

        /** mean + std · {@code noise} (a supplied draw). */
        public Tensor sample(Tensor noise) {
            return mean.add(std.mul(noise));
        }
    }

    /** The VAE encoder: conv_in, down blocks, mid block, norm → SiLU → conv_out (mean and log-variance). */
    public static final class Encoder extends Module {
        public final Conv2d conv_in;
        public final ModuleList<DownBlock2D> down_blocks;
        public final UNetMidBlock2D mid_block;
        public final GroupNorm conv_norm_out;
        public final Conv2d conv_out;

        Encoder(int in, int[] ch, int layers, int groups, int latent) {
            this.conv_in = child("conv_in", Conv2d.same(in, ch[0], 3));
            this.down_blocks = child("down_blocks", new ModuleList<>());
            for (int i = 0; i < ch.length; i++) {
                long inCh = i == 0 ? ch[0] : ch[i - 1];
                down_blocks.add(new DownBlock2D(new BlockSpec(false, layers, inCh, ch[i], 0, 0, groups, 1e-6, 1, 0, 0,
                        false, false, i < ch.length - 1, 0, FusionMode.HIGH, false)));
            }
            int last = ch[ch.length - 1];
            this.mid_block = child("mid_block", new UNetMidBlock2D(last, groups, 1e-6));
            this.conv_norm_out = child("conv_norm_out", new GroupNorm(groups, last, 1e-6));
            this.conv_out = child("conv_out", Conv2d.same(last, 2L * latent, 3));
        }

        public Tensor forward(Tensor x) {
            Tensor h = conv_in.forward(x);
            ArrayList<Tensor> unused = new ArrayList<>();
            for (DownBlock2D block : down_blocks) {
                h = block.forward(h, null, null, unused);
                unused.clear();
            }
            h = mid_block.forward(h);
            return conv_out.forward(Torch.silu(conv_norm_out.forward(h)));
        }
    }

    /** The VAE decoder: conv_in, mid block, up blocks (reversed widths), norm → SiLU → conv_out. */
    public static final class Decoder extends Module {
        public final Conv2d conv_in;
        public final UNetMidBlock2D mid_block;
        public final ModuleList<UpDecoderBlock2D> up_blocks;
        public final GroupNorm conv_norm_out;
        public final Conv2d conv_out;

        Decoder(int latent, int out, int[] ch, int layers, int groups) {
            int n = ch.length;
            this.conv_in = child("conv_in", Conv2d.same(latent, ch[n - 1], 3));
            this.mid_block = child("mid_block", new UNetMidBlock2D(ch[n - 1], groups, 1e-6));
            this.up_blocks = child("up_blocks", new ModuleList<>());
            long prev = ch[n - 1];
            for (int i = 0; i < n; i++) {
                long outCh = ch[n - 1 - i];
                up_blocks.add(new UpDecoderBlock2D(layers + 1, prev, outCh, groups, 1e-6, i < n - 1));
                prev = outCh;
            }
            this.conv_norm_out = child("conv_norm_out", new GroupNorm(groups, ch[0], 1e-6));
            this.conv_out = child("conv_out", Conv2d.same(ch[0], out, 3));
        }

        public Tensor forward(Tensor z) {
            Tensor h = mid_block.forward(conv_in.forward(z));
            for (UpDecoderBlock2D block : up_blocks) {
                h = block.forward(h);
            }
            return conv_out.forward(Torch.silu(conv_norm_out.forward(h)));
        }
    }
}
