package dev.xpsr.pipeline;

import dev.xpsr.io.JsonConfig;
import dev.xpsr.model.AutoencoderKL;

/**
 * Memory estimates of the {@link TiledVae}, in bytes of float32 activations, and the tile choice for a budget.
 *
 * <p>The estimates follow the VAE's {@link Widths} (its {@code block_out_channels}, hence also its down factor f):
 * the up block i of the decoder runs at (2^i·s)², the down block i of the encoder at (s/2^i)².
 *
 * <p><b>One tile's working set</b> ({@link #tileBytes}): a tile of side s = T + 2p input units is processed one
 * step at a time, every temporary freed when its step ends, so the peak is a few tensors of the largest
 * activation. For the decoder that is the input of the last up block, widths[1] channels at (f·s)² (SD: 256 × 64s²);
 * for the encoder the first block's widths[0] channels at s² (SD: 128 × s²). At a resnet that changes width the
 * normalised input, its SiLU, the kept 1×1 shortcut and the convolution output are alive together. The model is
 * {@code c + κ · 4 · largest}, fitted to the peak-RSS growth {@link dev.xpsr.bench.TiledVaeBench} measured on the SD-1.5 VAE
 * (fast mode, so that no other tile is alive; this project's CPU build, 2 cores):
 * <ul>
 *   <li>decoder, 64 × 64 latent, tiles 16 and 32 (s = 38, 54): +382 MiB and +886 MiB, κ = 4.2 and 4.9 of the
 *       largest activation (90 and 182 MiB); the model takes κ = 4.9, c = 0, to stay on the safe side;</li>
 *   <li>encoder, 512 × 512 image, tiles 128 and 256 (s = 192, 320): +254 MiB and +381 MiB → κ = 4.0 with a
 *       constant c = 180 MiB on top.</li>
 * </ul>
 * Each figure is the first run of a fresh process; later runs in the same process reuse memory earlier runs left
 * resident, so their growth scatters by about ±30 %.
 *
 * <p><b>Paused tiles</b> ({@link #pausedBytes}, default mode only): between rounds every tile keeps its activation
 * and its pending shortcut, so all tiles together hold about the whole image's activation at the widest pause,
 * padding overlaps counted per tile. SD decoder: the first resnet of the last up block, 256 + 128 channels at
 * (f·s)² per tile. (The reference keeps these in host memory and only the working set on the device.) Measured
 * in default mode, decoder, 64 × 64 latent, tile 16 (9 tiles): +1.55 GiB against 1.50 GiB estimated
 * ({@code tileBytes + pausedBytes}). Fast mode runs tiles one after another and holds no paused tiles.
 *
 * <p>{@link #forBudget} picks the largest tiles whose working set fits the budget, keeping XPSR's paddings. The
 * fitted constants κ and c were measured on SD-1.5's VAE only; for other widths the model scales with them.
 */
public final class TiledVaeMemory {
    /** Decoder working set in units of its largest activation (measured; see the class comment). */
    static final double DECODER_KAPPA = 4.9;
    /** Encoder working set in units of its largest activation (measured; see the class comment). */
    static final double ENCODER_KAPPA = 4.0;
    /** The constant the encoder measurements showed on top of κ · largest (see the class comment). */
    static final long ENCODER_CONSTANT = 180L << 20;
    static final int ENCODER_TILE_MAX = 4096;
    static final int DECODER_TILE_MAX = 512;

    private TiledVaeMemory() {
    }

    /** The widths an estimate needs: {@code block_out_channels} of a diffusers AutoencoderKL (encoder order). */
    public record Widths(int[] blockOut) {
        public Widths {
            if (blockOut.length == 0) {
                throw new IllegalArgumentException("a VAE needs at least one block, got block_out_channels []");
            }
            blockOut = blockOut.clone();
        }

        /** From a VAE's {@code config.json}. */
        public static Widths of(JsonConfig config) {
            return new Widths(config.integers("block_out_channels"));
        }

        /** From a built VAE. */
        public static Widths of(AutoencoderKL vae) {
            return new Widths(vae.blockOutChannels());
        }

        /** Image pixels per latent pixel: 2^(blocks − 1), as {@link AutoencoderKL#downFactor}. */
        public int downFactor() {
            return 1 << (blockOut.length - 1);
        }

        /** Width of up block i (decoder order). */
        int up(int i) {
            return blockOut[blockOut.length - 1 - i];
        }
    }

    /**
     * Estimated peak bytes of one tile in flight: T + 2p input units on each side (image pixels for the encoder,
     * latent pixels for the decoder), batch 1.
     */
    public static long tileBytes(Widths w, boolean decoder, int tile, int pad) {
        double side = tile + 2.0 * pad;
        double activations = 4 * largestPerPixel(w, decoder) * side * side;
        return decoder ? (long) (DECODER_KAPPA * activations)
                : ENCODER_CONSTANT + (long) (ENCODER_KAPPA * activations);
    }

    /** Estimated bytes all paused tiles hold between rounds (default mode), batch 1; sizes in input units. */
    public static long pausedBytes(Widths w, boolean decoder, int height, int width, int tile, int pad) {
        if (!TileGrid.needsTiling(height, width, tile, pad)) {
            return 0;
        }
        int f = w.downFactor();
        double area = 0;
        for (TileGrid.Tile t : TileGrid.split(height, width, tile, pad, f, decoder).tiles()) {
            area += (double) t.input().height() * t.input().width();
        }
        return (long) (4 * pausedPerPixel(w, decoder) * area);
    }

    /**
     * The largest tiles (encoder: multiples of the down factor f from 8f up to 4096 px, decoder: up to 512 latent
     * px) whose {@link #tileBytes} fit {@code bytes}, with XPSR's paddings (4 / 11 latent px), the reference
     * attention, no fast mode.
     *
     * @throws IllegalArgumentException when not even an 8 latent px encoder tile or an 8 px decoder tile fits
     */
    public static TiledVae.Options forBudget(long bytes, Widths w) {
        TiledVae.Options xpsr = TiledVae.Options.XPSR;
        int f = w.downFactor();
        int enc = largestFitting(bytes, w, false, xpsr.encoderPadPixels(f), 8 * f, ENCODER_TILE_MAX, f);
        int dec = largestFitting(bytes, w, true, xpsr.decoderPad(), 8, DECODER_TILE_MAX, 1);
        return xpsr.withEncoderTile(enc, xpsr.encoderPad()).withDecoderTile(dec, xpsr.decoderPad());
    }

    private static int largestFitting(long bytes, Widths w, boolean decoder, int pad, int min, int max, int step) {
        if (tileBytes(w, decoder, min, pad) > bytes) {
            throw new IllegalArgumentException("a memory budget of " + bytes + " bytes is below the "
                    + tileBytes(w, decoder, min, pad) + " bytes a " + min + " px " + (decoder ? "decoder" : "encoder")
                    + " tile needs");
        }
        int best = min;
        for (int t = min; t <= max; t += step) {
            if (tileBytes(w, decoder, t, pad) <= bytes) {
                best = t;
            }
        }
        return best;
    }

    /** Elements of the largest activation per input pixel of a tile. */
    static double largestPerPixel(Widths w, boolean decoder) {
        int n = w.blockOut.length;
        double largest = 0;
        int prev = decoder ? w.up(0) : w.blockOut[0];
        for (int i = 0; i < n; i++) {
            int out = decoder ? w.up(i) : w.blockOut[i];
            double area = decoder ? Math.pow(4, i) : Math.pow(0.25, i);
            largest = Math.max(largest, Math.max(prev, out) * area);
            if (decoder && i < n - 1) {
                largest = Math.max(largest, out * area * 4);
            }
            prev = out;
        }
        return largest;
    }

    /**
     * Elements per input pixel a paused tile holds at its widest pause: at norm1 of a resnet that changes width
     * the input and the 1×1 shortcut (in + out channels), at norm2 the conv1 output and the shortcut.
     */
    static double pausedPerPixel(Widths w, boolean decoder) {
        int n = w.blockOut.length;
        double widest = 2.0 * (decoder ? w.up(0) : w.blockOut[n - 1]) * (decoder ? 1 : Math.pow(0.25, n - 1));
        int prev = decoder ? w.up(0) : w.blockOut[0];
        for (int i = 0; i < n; i++) {
            int out = decoder ? w.up(i) : w.blockOut[i];
            double area = decoder ? Math.pow(4, i) : Math.pow(0.25, i);
            int norm1 = prev + (prev != out ? out : 0);
            int norm2 = out + (prev != out ? out : prev);
            widest = Math.max(widest, Math.max(norm1, norm2) * area);
            prev = out;
        }
        return widest;
    }
}
