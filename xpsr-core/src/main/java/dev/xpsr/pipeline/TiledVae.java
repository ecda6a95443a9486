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
 * <p>Algorithm, for the encoder on an image (B, 3, H, W) (tile T = 1024 px, pad p = 4 latent px = 4f px) and for
 * the decoder on {@code post_quant_conv(latents)} (B, L, h, w) (T = 224 latent px, p = 11 latent px), where f is the
 * VAE's down factor ({@link AutoencoderKL#downFactor}, 8 for SD's VAE):
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
 *       (B, 2L, H/f, W/f) → {@link AutoencoderKL.Posterior} after {@code quant_conv}; decoder image
 *       (B, 3, f·h, f·w).</li>
 * </ol>
 * The reference hard-codes SD's ×8 (paddings of 32 px and 11 latent px, crops by 8); here the factor, the group
 * count and the widths come from the VAE, and the paddings are counted in latent pixels (see {@link Options}), so
 * for SD's VAE everything is as the reference computes it.
 *
 * <p>Fast mode ({@link Options#fastMode}, the reference's {@code fast_encoder} / {@code fast_decoder}, off in XPSR):
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
     * Tile sizes and paddings, fast mode and attention norm. The encoder tile is in image pixels (a multiple of the
     * VAE's down factor f, so that every tile starts on the latent grid; checked against the VAE it meets, see
     * {@link #requireEncoderAlignedTo}); the decoder tile and both paddings are in latent pixels.
     *
     * <p>Why paddings in latent pixels: vaehook pads SD's ×8 VAE by 32 image px (encoder) and 11 latent px
     * (decoder), about the reach the tile interiors need. The encoder's reach comes mostly from its convolutions at
     * the lowest resolution, where each 3×3 convolution reaches f image pixels; the decoder's from its convolutions
     * at latent resolution (conv_in, the mid block and the first up block: 11 of its about 17 latent px). Both are
     * fixed in latent pixels whatever the number of blocks, so XPSR's paddings are 4 and 11 latent px for every VAE
     * (32 and 88 image px at ×8, 16 and 44 at ×4).
     *
     * <p>{@code memoryBudget} (bytes, 0 for none) defers the tile sizes to the VAE: options made by
     * {@link #forBudget} hold XPSR's tiles until {@link TiledVae} meets its VAE and replaces them with the largest
     * tiles whose estimated working set for that VAE's widths fits ({@link #forVae}).
     */
    public record Options(int encoderTile, int encoderPad, int decoderTile, int decoderPad, boolean fastMode,
                          AttentionNorm attentionNorm, long memoryBudget) implements Serializable {
        /** XPSR's {@code test.py}: encoder 1024 px / 4 latent px, decoder 224 / 11 latent px, the reference attention. */
        public static final Options XPSR = new Options(1024, 4, 224, 11, false, AttentionNorm.REFERENCE, 0);

        /** Tiles larger than any image: the VAE always runs whole, as without {@code _init_tiled_vae}. */
        public static final Options UNTILED = new Options(Integer.MAX_VALUE, 0, Integer.MAX_VALUE, 0, false,
                AttentionNorm.REFERENCE, 0);

        public Options {
            requireTile("encoderTile", encoderTile);
            requireTile("decoderTile", decoderTile);
            requirePad("encoderPad", encoderPad);
            requirePad("decoderPad", decoderPad);
            Objects.requireNonNull(attentionNorm, "attentionNorm");
            if (memoryBudget < 0) {
                throw new IllegalArgumentException("memoryBudget must be zero (none) or positive, got " + memoryBudget);
            }
        }

        /**
         * The largest tiles (XPSR's paddings, reference attention, no fast mode) whose estimated working set for
         * one tile fits {@code bytes}, chosen for the VAE these options meet; see {@link TiledVaeMemory#forBudget}.
         */
        public static Options forBudget(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("a memory budget must be positive, got " + bytes + " bytes");
            }
            return new Options(XPSR.encoderTile, XPSR.encoderPad, XPSR.decoderTile, XPSR.decoderPad, false,
                    AttentionNorm.REFERENCE, bytes);
        }

        /**
         * These options for a VAE of these widths: with a memory budget, the tiles {@link TiledVaeMemory#forBudget}
         * chooses for it (fast mode and attention norm kept); otherwise these options unchanged.
         *
         * @throws IllegalArgumentException when not even the smallest tiles fit the budget
         */
        public Options forVae(TiledVaeMemory.Widths vae) {
            if (memoryBudget == 0) {
                return this;
            }
            Options tiles = TiledVaeMemory.forBudget(memoryBudget, vae);
            return new Options(tiles.encoderTile, tiles.encoderPad, tiles.decoderTile, tiles.decoderPad, fastMode,
                    attentionNorm, 0);
        }

        /** The encoder padding in image pixels for a VAE with down factor {@code f}. */
        public int encoderPadPixels(int f) {
            return Math.multiplyExact(encoderPad, f);
        }

        /**
         * Checks that encoder tiles start on the latent grid of a VAE with down factor {@code f}.
         *
         * @throws IllegalArgumentException naming the tile and the factor otherwise
         */
        public void requireEncoderAlignedTo(int f) {
            if (encoderTile % f != 0) {
                throw new IllegalArgumentException("encoderTile " + encoderTile + " px must be a multiple of the "
                        + "VAE's down factor " + f + " (the latent grid the encoder's tiles must start on)");
            }
        }

        /** Encoder tiles of {@code tile} image px padded by {@code pad} latent px (tiles given: no budget). */
        public Options withEncoderTile(int tile, int pad) {
            return new Options(tile, pad, decoderTile, decoderPad, fastMode, attentionNorm, 0);
        }

        /** Decoder tiles of {@code tile} latent px padded by {@code pad} latent px (tiles given: no budget). */
        public Options withDecoderTile(int tile, int pad) {
            return new Options(encoderTile, encoderPad, tile, pad, fastMode, attentionNorm, 0);
        }

        public Options withFastMode(boolean on) {
            return new Options(encoderTile, encoderPad, decoderTile, decoderPad, on, attentionNorm, memoryBudget);
        }

        public Options withAttentionNorm(AttentionNorm norm) {
            return new Options(encoderTile, encoderPad, decoderTile, decoderPad, fastMode, norm, memoryBudget);
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

    /**
     * How many tiles an input of {@code height × width} (latent px for the decoder, image px for the encoder) is cut
     * into for this VAE; 0 when it fits one tile and the plain forward runs.
     */
    public int tileCount(AutoencoderKL vae, int height, int width, boolean decoder) {
        Options o = options.forVae(TiledVaeMemory.Widths.of(vae));
        int f = vae.downFactor();
        int tile = decoder ? o.decoderTile : o.encoderTile;
        int pad = decoder ? o.decoderPad : o.encoderPadPixels(f);
        return TileGrid.needsTiling(height, width, tile, pad)
                ? TileGrid.split(height, width, tile, pad, f, decoder).tiles().size() : 0;
    }

    /** The latent posterior of an image (B, 3, H, W) in [−1, 1], tiled when the image is larger than one tile. */
    public AutoencoderKL.Posterior encode(AutoencoderKL vae, Tensor image) {
        Options o = options.forVae(TiledVaeMemory.Widths.of(vae));
        return new AutoencoderKL.Posterior(vae.quant_conv.forward(encoder(vae.encoder, image, o)));
    }

    /** Decodes (unscaled) latents (B, L, h, w) to an image (B, 3, f·h, f·w), tiled when larger than one tile. */
    public Tensor decode(AutoencoderKL vae, Tensor latents) {
        Options o = options.forVae(TiledVaeMemory.Widths.of(vae));
        return decoder(vae.decoder, vae.post_quant_conv.forward(latents), o);
    }

    /** The hooked {@code encoder.forward}: image (B, 3, H, W) → moments before quant_conv (B, 2L, H/f, W/f). */
    private static Tensor encoder(AutoencoderKL.Encoder encoder, Tensor image, Options options) {
        int f = 1 << downsamplers(encoder);
        int tile = options.encoderTile;
        int pad = options.encoderPadPixels(f);
        if (!TileGrid.needsTiling(image.size(2), image.size(3), tile, pad)) {
            return encoder.forward(image);
        }
        options.requireEncoderAlignedTo(f);
        requireMultiple("image height", image.size(2), f);
        requireMultiple("image width", image.size(3), f);
        TileGrid grid = TileGrid.split((int) image.size(2), (int) image.size(3), tile, pad, f, false);
        // on the input's device and in its dtype, as the reference allocates its result on the network's device
        Tensor result = image.new_zeros(image.size(0), encoder.conv_out.outChannels, image.size(2) / f,
                image.size(3) / f);
        run(VaeProgram.encoder(encoder, options.attentionNorm), image, grid, tile, options.fastMode, result);
        return result;
    }

    /** The hooked {@code decoder.forward}: z = post_quant_conv(latents) (B, L, h, w) → image (B, 3, f·h, f·w). */
    private static Tensor decoder(AutoencoderKL.Decoder decoder, Tensor z, Options options) {
        int tile = options.decoderTile;
        int pad = options.decoderPad;
        if (!TileGrid.needsTiling(z.size(2), z.size(3), tile, pad)) {
            return decoder.forward(z);
        }
        int f = 1 << upsamplers(decoder);
        TileGrid grid = TileGrid.split((int) z.size(2), (int) z.size(3), tile, pad, f, true);
        Tensor result = z.new_zeros(z.size(0), decoder.conv_out.outChannels, z.size(2) * f, z.size(3) * f);
        run(VaeProgram.decoder(decoder, options.attentionNorm), z, grid, tile, options.fastMode, result);
        return result;
    }

    /** Runs the tiles without gradient tracking, as the reference's {@code @torch.no_grad()}. */
    private static void run(VaeProgram program, Tensor input, TileGrid grid, int tile, boolean fastMode,
                            Tensor result) {
        try (AutoCloseable noGrad = Torch.noGrad();
             TileQueue queue = fastMode ? TileQueue.fast(program, input, tile) : TileQueue.shared(program)) {
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
