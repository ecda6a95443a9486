package dev.xpsr.cli;

import dev.xpsr.pipeline.TiledVae;
import dev.xpsr.util.ByteSize;
import picocli.CommandLine.Option;

/** The tiled-VAE options shared by {@code upscale} and {@code bench}. */
final class VaeTilingOptions {
    @Option(names = "--vae-encoder-tile", defaultValue = "1024",
            description = "VAE encoder tile side in image pixels, a multiple of the VAE's down factor (8 for SD; pad 4 "
                    + "latent px, 32 px for SD); larger images are encoded in tiles with GroupNorm statistics shared "
                    + "across tiles (default: ${DEFAULT-VALUE}, as XPSR's test.py).")
    int encoderTile;

    @Option(names = "--vae-decoder-tile", defaultValue = "224",
            description = "VAE decoder tile side in latent pixels (pad 11) (default: ${DEFAULT-VALUE}, as XPSR's test.py).")
    int decoderTile;

    @Option(names = "--vae-memory", paramLabel = "SIZE",
            description = "Bound the VAE's working memory: the largest tiles whose working set fits SIZE (e.g. 1G, "
                    + "512M) for the model's VAE, run one after another in fast mode (the reference's default mode "
                    + "keeps every tile's activations alive between GroupNorms, which no tile size bounds); replaces "
                    + "--vae-encoder-tile and --vae-decoder-tile.")
    String memory;

    @Option(names = "--no-vae-tiling", description = "Run the VAE on the whole image, whatever its size.")
    boolean untiled;

    @Option(names = "--vae-fast",
            description = "Estimate the tiles' GroupNorm statistics from a downsampled image (less memory and time; "
                    + "not the reference's default).")
    boolean fast;

    /**
     * The tiling these options describe; a memory budget becomes tiles once the VAE is known ({@link
     * TiledVae.Options#forVae}), and the encoder tile is checked against the VAE's down factor when it tiles.
     */
    TiledVae.Options toOptions() {
        if (untiled) {
            return TiledVae.Options.UNTILED;
        }
        if (memory != null) {
            return TiledVae.Options.forBudget(ByteSize.parse(memory)).withFastMode(true);
        }
        return TiledVae.Options.XPSR.withEncoderTile(encoderTile, TiledVae.Options.XPSR.encoderPad())
                .withDecoderTile(decoderTile, TiledVae.Options.XPSR.decoderPad()).withFastMode(fast);
    }
}
