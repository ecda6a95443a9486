package dev.xpsr.pipeline;

import dev.xpsr.model.AutoencoderKL;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.io.Serializable;
import java.util.Objects;

/**
 * XPSR's Tiled VAE: the SD VAE encoder and decoder run tile by tile with GroupNorm statistics shared across all
 * tiles, so images of any size fit a memory budget. It reproduces the multidiffusion-upscaler / StableSR hook that
 * XPSR installs with {@code pipeline._init_tiled_vae(encoder_tile_size=1024, decoder_tile_size=224)}
 * (qyp2000/XPSR {@code myutils/vaehook.py}, {@code VAEHook}; XPSR leaves fast mode and the colour fix off).
 *
 * <p>Algorithm, for the encoder on an image (B, 3, H, W) (tile T = 1024 px, pad p = 32 px) and for the decoder on
 * {@code post_quant_conv(latents)} (B, 4, h, w) (T = 224 latent px, p = 11):
 * <ol>
 *   <li>If max(H, W) ≤ T + 2p the plain forward runs: the result is exactly {@link AutoencoderKL#encode} /
 *       {@link AutoencoderKL#decode}.</li>
 *   <li>Otherwise the input is cut into padded tiles ({@link TileGrid}) and the network is flattened into steps
 *       ({@link VaeProgram}). All tiles advance step by step; at every GroupNorm each tile contributes its
 *       per-group mean and variance, and the pixel-weighted means of those are applied to every tile
 *       ({@link TileQueue}, {@link GroupNormStats}) — the GroupNorm is estimated over the whole image.</li>
 *   <li>Convolutions, SiLU and resampling are local: with the padding the tile interiors see (nearly) the same
 *       neighbourhood as in the whole image. The mid-block attention is computed per tile, among the tile's own
 *       positions, as the reference does; with {@link AttentionNorm#REFERENCE} the tile is normalised a second time
 *       inside the attention, a quirk of the reference under diffusers (see {@link VaeProgram#tileAttention}).</li>
 *   <li>Each finished tile is cropped to its valid box and written into the output: encoder moments
 *       (B, 2·4, H/8, W/8) → {@link AutoencoderKL.Posterior} after {@code quant_conv}; decoder image
 *       (B, 3, 8h, 8w).</li>
 * </ol>
 * Fast mode ({@link Options#fastMode}, the reference's {@code fast_encoder} / {@code fast_decoder}, off in XPSR):
 * the statistics are estimated once on the input shrunk to T on its long side ({@link FastModeInput}), and then
 * the tiles run one after another with no pauses. The reference's colour fix (fast encoder only: estimate just the
 * norms before the first downsampler) is not reproduced. Memory: {@link TiledVaeMemory}; in the default mode all
 * tiles' activations are alive between rounds, so on a CPU fast mode is the one that bounds the total.
 */
public final class TiledVae {
    /** How the mid-block attention normalises a tile. */
    public enum AttentionNorm {
        /**
         * As XPSR runs it: the shared-statistics GroupNorm, then the attention's own GroupNorm again with the tile's
         * statistics (vaehook's attention functions re-apply {@code self.group_norm}).
         */
        REFERENCE,
        /** The shared-statistics GroupNorm only, as the untiled forward normalises once. */
        SHARED
    }

    /**
     * Tile sizes and paddings (encoder in image pixels, decoder in latent pixels), fast mode and attention norm.
     * Encoder tiles and paddings are multiples of 8 so that every tile starts on the latent grid.
     */
    public record Options(int encoderTile, int encoderPad, int decoderTile, int decoderPad, boolean fastMode,
                          AttentionNorm attentionNorm) implements Serializable {
        /** XPSR's {@code test.py}: encoder 1024 / 32, decoder 224 / 11, no fast mode, the reference attention. */
        public static final Options XPSR = new Options(1024, 32, 224, 11, false, AttentionNorm.REFERENCE);

        /** Tiles larger than any image: the VAE always runs whole, as without {@code _init_tiled_vae}. */
        public static final Options UNTILED = new Options(Integer.MAX_VALUE & ~7, 0, Integer.MAX_VALUE, 0, false,
                AttentionNorm.REFERENCE);

        public Options {
            requireTile("encoderTile", encoderTile);
            requireTile("decoderTile", decoderTile);
            requirePad("encoderPad", encoderPad);
            requirePad("decoderPad", decoderPad);
            if (encoderTile % 8 != 0 || encoderPad % 8 != 0) {
                throw new IllegalArgumentException("encoderTile and encoderPad must be multiples of 8 (the latent "
                        + "grid the encoder's tiles must start on), got " + encoderTile + " and " + encoderPad);
            }
            Objects.requireNonNull(attentionNorm, "attentionNorm");
        }

        /**
         * The largest tiles (XPSR's paddings, reference attention, no fast mode) whose estimated working set for
         * one tile of the SD-1.5 VAE fits {@code bytes}; see {@link TiledVaeMemory#forBudget}.
         */
        public static Options forBudget(long bytes) {
            return TiledVaeMemory.forBudget(bytes, TiledVaeMemory.Widths.SD15);
        }

        public Options withEncoderTile(int tile, int pad) {
            return new Options(tile, pad, decoderTile, decoderPad, fastMode, attentionNorm);
        }

        public Options withDecoderTile(int tile, int pad) {
            return new Options(encoderTile, encoderPad, tile, pad, fastMode, attentionNorm);
        }

        public Options withFastMode(boolean on) {
            return new Options(encoderTile, encoderPad, decoderTile, decoderPad, on, attentionNorm);
        }

        public Options withAttentionNorm(AttentionNorm norm) {
            return new Options(encoderTile, encoderPad, decoderTile, decoderPad, fastMode, norm);
        }

        private static void requireTile(String name, int tile) {
            if (tile <= 0) {
                throw new IllegalArgumentException(name + " must be positive, got " + tile);
            }
        }

        private static void requirePad(String name, int pad) {
            if (pad < 0) {
                throw new IllegalArgumentException(name + " must be zero or positive, got " + pad);
            }
        }
    }

    private final Options options;

    public TiledVae(Options options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    public Options options() {
        return options;
    }

    /** The latent posterior of an image (B, 3, H, W) in [−1, 1], tiled when the image is larger than one tile. */
    public AutoencoderKL.Posterior encode(AutoencoderKL vae, Tensor image) {
        if (!TileGrid.needsTiling(image.size(2), image.size(3), options.encoderTile, options.encoderPad)) {
            return vae.encode(image);
        }
        return new AutoencoderKL.Posterior(vae.quant_conv.forward(encoder(vae.encoder, image)));
    }

    /** Decodes (unscaled) latents (B, 4, h, w) to an image (B, 3, 8h, 8w), tiled when larger than one tile. */
    public Tensor decode(AutoencoderKL vae, Tensor latents) {
        if (!TileGrid.needsTiling(latents.size(2), latents.size(3), options.decoderTile, options.decoderPad)) {
            return vae.decode(latents);
        }
        return decoder(vae.decoder, vae.post_quant_conv.forward(latents));
    }

    /** The hooked {@code encoder.forward}: image (B, 3, H, W) → moments before quant_conv (B, 2L, H/f, W/f). */
    public Tensor encoder(AutoencoderKL.Encoder encoder, Tensor image) {
        int tile = options.encoderTile;
        int pad = options.encoderPad;
        if (!TileGrid.needsTiling(image.size(2), image.size(3), tile, pad)) {
            return encoder.forward(image);
        }
        int f = 1 << downsamplers(encoder);
        requireMultiple("image height", image.size(2), f);
        requireMultiple("image width", image.size(3), f);
        requireMultiple("encoderTile", tile, f);
        requireMultiple("encoderPad", pad, f);
        TileGrid grid = TileGrid.split((int) image.size(2), (int) image.size(3), tile, pad, f, false);
        // on the input's device and in its dtype, as the reference allocates its result on the network's device
        Tensor result = image.new_zeros(image.size(0), encoder.conv_out.outChannels, image.size(2) / f,
                image.size(3) / f);
        run(VaeProgram.encoder(encoder, options.attentionNorm), image, grid, tile, result);
        return result;
    }

    /** The hooked {@code decoder.forward}: z = post_quant_conv(latents) (B, L, h, w) → image (B, 3, f·h, f·w). */
    public Tensor decoder(AutoencoderKL.Decoder decoder, Tensor z) {
        int tile = options.decoderTile;
        int pad = options.decoderPad;
        if (!TileGrid.needsTiling(z.size(2), z.size(3), tile, pad)) {
            return decoder.forward(z);
        }
        int f = 1 << upsamplers(decoder);
        TileGrid grid = TileGrid.split((int) z.size(2), (int) z.size(3), tile, pad, f, true);
        Tensor result = z.new_zeros(z.size(0), decoder.conv_out.outChannels, z.size(2) * f, z.size(3) * f);
        run(VaeProgram.decoder(decoder, options.attentionNorm), z, grid, tile, result);
        return result;
    }

    /** Runs the tiles without gradient tracking, as the reference's {@code @torch.no_grad()}. */
    private void run(VaeProgram program, Tensor input, TileGrid grid, int tile, Tensor result) {
        try (AutoCloseable noGrad = Torch.noGrad();
             TileQueue queue = options.fastMode ? TileQueue.fast(program, input, tile) : TileQueue.shared(program)) {
            queue.run(input, grid, result);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("tiled VAE failed", e);
        }
    }

    private static int downsamplers(AutoencoderKL.Encoder encoder) {
        int n = 0;
        for (var block : encoder.down_blocks) {
            n += block.downsamplers != null ? 1 : 0;
        }
        return n;
    }

    private static int upsamplers(AutoencoderKL.Decoder decoder) {
        int n = 0;
        for (var block : decoder.up_blocks) {
            n += block.upsamplers != null ? 1 : 0;
        }
        return n;
    }

    private static void requireMultiple(String what, long value, int f) {
        if (value % f != 0) {
            throw new IllegalArgumentException("tiled VAE encoder: " + what + " " + value
                    + " must be a multiple of the VAE's down factor " + f);
        }
    }
}
