package dev.xpsr.pipeline;

import dev.xpsr.degrade.Resize;
import dev.xpsr.golden.Golden;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.model.AutoencoderKL;
import dev.xpsr.model.Sd15Configs;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

import static dev.xpsr.pipeline.TiledVae.AttentionNorm.REFERENCE;
import static dev.xpsr.pipeline.TiledVae.AttentionNorm.SHARED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Tiled VAE on the golden tiny VAE ({@code vae_tiny}: the reference's weights; its down factor f, widths and
 * groups come from its config) and a real photo (a square crop of skimage's astronaut of 48 latent px, i.e. 48·f
 * px, in [−1, 1]): exact where the reference runs the plain forward, exact when the task queue runs one whole-image
 * tile, and close to the untiled network where it tiles — several times closer than tiles normalised on their own,
 * without a seam. Every size below is in latent pixels and scaled by f, so the test reads the same on a VAE of any
 * depth; on SD's ×8 it is the reference's setting (a 384 px crop, encoder tiles of 128 + 2·32 px).
 *
 * <p>Bounds. The test tiles are tiny (cores of 16–21 latent px) so that the crop splits; on them the reference
 * algorithm itself stays 3–5 % of the signal's spread off the untiled network (decoder 2.9e-2 mean abs in [−1, 1]
 * units on the in-repo ×8 VAE, so the 2e-2 one might hope for does not hold). Where that comes from was measured on
 * those weights: pooling the variance exactly (adding the spread of the tile means, which vaehook leaves out)
 * changed the decoder error from 5.6e-2 to 5.7e-2 (3 × 3 tiles of 12 latent px), removing the attention lowered it
 * to 4.6e-2; the rest is the padding — 11 latent px against the decoder's receptive radius of about 17 latent px
 * (11 convolutions at latent resolution, then 7, 7 and 8 at ×2, ×4 and ×8), so on tiles this small every output
 * pixel sees a tile edge. How far a VAE's outputs reach beyond the padding depends on its weights: a ×4 VAE
 * of other widths (three blocks, one resnet per block, 4 groups) measured 17–19 % of the spread with XPSR's paddings,
 * going down to 8 % with 12 latent px of encoder padding. The bounds are therefore fractions of the untiled output's
 * standard deviation and of the per-tile GroupNorm error, loose enough for both VAEs; what they catch is a tiling
 * that does not share its statistics (it lands on the per-tile error) or misplaces tiles (errors of the order of
 * the spread). The printed numbers show the margins.
 */
class TiledVaeTest {
    /** Side of the photo crop in latent pixels. */
    private static final int SIDE = 48;
    /** Where the crop starts in the photo, in pixels. */
    private static final int OFFSET = 64;
    /** Encoder and decoder core tiles of the multi-tile tests, latent px. */
    private static final int SMALL_TILE = 16;
    /**
     * Mean tiled-vs-untiled error allowed, as a fraction of the untiled output's standard deviation, and as a
     * fraction of the error of tiles normalised on their own (see the class comment for what was measured).
     */
    private static final double MAX_ERROR = 0.25;
    private static final double MAX_ERROR_VS_PER_TILE = 0.8;
    /** The same for fast mode, whose statistics come from a thumbnail. */
    private static final double MAX_FAST_MODE_ERROR = 0.3;
    /** XPSR's paddings, latent px. */
    private static final int ENCODER_PAD = TiledVae.Options.XPSR.encoderPad();
    private static final int DECODER_PAD = TiledVae.Options.XPSR.decoderPad();

    private static GoldenFixture fixture;
    private static AutoCloseable inference;
    private static AutoencoderKL vae;
    /** The VAE's down factor (image px per latent px). */
    private static int f;
    /** The photo crop, (1, 3, SIDE·f, SIDE·f) in [−1, 1]. */
    private static Tensor image;
    /** The untiled reference results on it: moments (1, 2L, SIDE, SIDE), posterior mean, and its decoded image. */
    private static Tensor moments;
    private static Tensor latents;
    private static Tensor decoded;

    @BeforeAll
    static void load() throws IOException {
        fixture = GoldenFixture.open("vae_tiny");
        inference = Torch.inferenceMode();
        vae = Golden.loadWeights(fixture, new AutoencoderKL(Golden.config(fixture)));
        f = vae.downFactor();
        Tensor photo = readImage(Path.of(System.getProperty("xpsr.data", "../fixtures/data"))
                .resolve("images/hr/skimage_astronaut.png"));
        // handles of our own, held by static fields outside any scope for the whole class
        image = new Tensor(crop(photo, SIDE * f));
        try (PointerScope scope = new PointerScope()) {
            AutoencoderKL.Posterior p = vae.encode(image);
            moments = keep(p.moments);
            latents = keep(p.mean);
            decoded = keep(vae.decode(latents));
        }
    }

    /** A side × side crop at (OFFSET, OFFSET); a photo too small for it is enlarged (bicubic) first. */
    private static Tensor crop(Tensor photo, int side) {
        long short_ = Math.min(photo.size(2), photo.size(3));
        if (short_ < OFFSET + side) {
            double scale = (double) (OFFSET + side) / short_;
            photo = Torch.clamp(Resize.toSize(photo, Resize.Mode.BICUBIC, (long) Math.ceil(photo.size(2) * scale),
                    (long) Math.ceil(photo.size(3) * scale)), -1, 1);
        }
        return photo.narrow(2, OFFSET, side).narrow(3, OFFSET, side);
    }

    private static Tensor keep(Tensor t) {
        Tensor own = new Tensor(t);
        own.retainReference();
        return own;
    }

    @AfterAll
    static void close() throws Exception {
        inference.close();
        fixture.close();
    }

    /** Each test's tensors live in a scope, as in the pipeline, and are freed after it. */
    private PointerScope scope;

    @BeforeEach
    void openScope() {
        scope = new PointerScope();
    }

    @AfterEach
    void closeScope() {
        scope.close();
    }

    @Test
    void inputThatFitsOneTileEncodesAndDecodesExactlyAsUntiled() {
        // the largest tiles vaehook still runs untiled: the crop is exactly one tile plus its two paddings
        TiledVae tiled = new TiledVae(TiledVae.Options.XPSR.withEncoderTile((SIDE - 2 * ENCODER_PAD) * f, ENCODER_PAD)
                .withDecoderTile(SIDE - 2 * DECODER_PAD, DECODER_PAD));
        assertThat(Torch.maxAbsDiff(tiled.encode(vae, image).moments, moments)).isLessThanOrEqualTo(1e-5);
        assertThat(Torch.maxAbsDiff(tiled.decode(vae, latents), decoded)).isLessThanOrEqualTo(1e-5);
        TiledVae xpsr = new TiledVae(TiledVae.Options.XPSR);
        assertThat(Torch.maxAbsDiff(xpsr.encode(vae, image).moments, moments)).isLessThanOrEqualTo(1e-5);
        assertThat(Torch.maxAbsDiff(xpsr.decode(vae, latents), decoded)).isLessThanOrEqualTo(1e-5);
    }

    @Test
    void taskQueueOnOneWholeImageTileReproducesTheUntiledNetwork() {
        Tensor z = vae.post_quant_conv.forward(latents);
        double enc = Torch.maxAbsDiff(vae.quant_conv.forward(wholeImageTile(image, false, SHARED)), moments);
        double dec = Torch.maxAbsDiff(wholeImageTile(z, true, SHARED), decoded);
        double twice = Torch.maxAbsDiff(wholeImageTile(z, true, REFERENCE), decoded);
        System.out.printf("one whole-image tile vs untiled: encoder %.2e, decoder %.2e; decoder with the reference "
                + "attention (normalised twice) %.2e%n", enc, dec, twice);
        assertThat(enc).isLessThanOrEqualTo(1e-5);
        assertThat(dec).isLessThanOrEqualTo(1e-5);
        assertThat(twice).as("the reference's second GroupNorm in the attention changes the result")
                .isGreaterThan(1e-3);
    }

    @Test
    void multiTileEncodeIsCloseToUntiledAndFarCloserThanPerTileGroupNorm() {
        int side = SIDE * f;
        TileGrid grid = TileGrid.split(side, side, SMALL_TILE * f, ENCODER_PAD * f, f, false);
        assertThat(grid.tiles()).as("tiles of the crop").hasSizeGreaterThan(1);
        Tensor naive = vae.quant_conv.forward(perTile(image, grid, vae.encoder::forward,
                vae.encoder.conv_out.outChannels, SIDE)).narrow(1, 0, vae.latentChannels());
        Diff naiveDiff = Diff.of(naive, latents);
        TiledVae.Options options = TiledVae.Options.XPSR.withEncoderTile(SMALL_TILE * f, ENCODER_PAD);
        Diff shared = Diff.of(new TiledVae(options.withAttentionNorm(SHARED)).encode(vae, image).mean, latents);
        Tensor reference = new TiledVae(options).encode(vae, image).mean;
        Tensor referenceWhole = vae.quant_conv.forward(wholeImageTile(image, false, REFERENCE))
                .narrow(1, 0, vae.latentChannels());
        Diff referenceDiff = Diff.of(reference, referenceWhole);
        double spread = latents.std().item_double();
        System.out.printf("encoder (x%d), %d tiles of %d+2x%d px, posterior mean (std %.3f) vs untiled: per-tile "
                        + "GroupNorm %s; shared GroupNorm %s; reference attention vs its own one-tile network %s "
                        + "(vs untiled %s)%n", f, grid.tiles().size(), SMALL_TILE * f, ENCODER_PAD * f, spread,
                naiveDiff, shared, referenceDiff, Diff.of(reference, latents));
        // in-repo x8 VAE: 3.9 % and 4.7 % of the spread against 25 % per tile; a x4 VAE of other widths: 19 % and
        // 18 % against 34 % (its output reaches further than the padding, see the class comment)
        assertThat(shared.mean).isLessThan(MAX_ERROR * spread).isLessThan(naiveDiff.mean * MAX_ERROR_VS_PER_TILE);
        assertThat(referenceDiff.mean).isLessThan(MAX_ERROR * spread)
                .isLessThan(naiveDiff.mean * MAX_ERROR_VS_PER_TILE);
    }

    @Test
    void multiTileDecodeIsCloseToUntiledWithoutSeams() {
        TileGrid grid = TileGrid.split(SIDE, SIDE, SMALL_TILE, DECODER_PAD, f, true);
        assertThat(grid.tiles()).as("tiles of the latent").hasSizeGreaterThan(1);
        Tensor z = vae.post_quant_conv.forward(latents);
        Tensor naive = perTile(z, grid, vae.decoder::forward, vae.decoder.conv_out.outChannels, (long) SIDE * f);
        TiledVae.Options options = TiledVae.Options.XPSR.withDecoderTile(SMALL_TILE, DECODER_PAD);
        Tensor shared = new TiledVae(options.withAttentionNorm(SHARED)).decode(vae, latents);
        Tensor reference = new TiledVae(options).decode(vae, latents);
        Tensor referenceWhole = wholeImageTile(z, true, REFERENCE);
        Diff naiveDiff = Diff.of(naive, decoded);
        Seams naiveSeams = Seams.of(naive, decoded, grid);
        Diff sharedDiff = Diff.of(shared, decoded);
        Seams sharedSeams = Seams.of(shared, decoded, grid);
        Diff referenceDiff = Diff.of(reference, referenceWhole);
        Seams referenceSeams = Seams.of(reference, referenceWhole, grid);
        double spread = decoded.std().item_double();
        System.out.printf("decoder (x%d), %d tiles of %d+2x%d latent px, image (std %.3f) vs untiled: per-tile "
                        + "GroupNorm %s, %s; shared GroupNorm %s, %s; reference attention vs its own one-tile network "
                        + "%s, %s (vs untiled %s)%n", f, grid.tiles().size(), SMALL_TILE, DECODER_PAD, spread,
                naiveDiff, naiveSeams, sharedDiff, sharedSeams, referenceDiff, referenceSeams,
                Diff.of(reference, decoded));
        // in-repo x8 VAE: 4.0 % and 4.3 % of the spread against 16 % per tile; a x4 VAE of other widths: 17 % and
        // 11 % against 23 %
        assertThat(sharedDiff.mean).isLessThan(MAX_ERROR * spread).isLessThan(naiveDiff.mean * MAX_ERROR_VS_PER_TILE);
        assertThat(referenceDiff.mean).isLessThan(MAX_ERROR * spread)
                .isLessThan(naiveDiff.mean * MAX_ERROR_VS_PER_TILE);
        // the error steps at tile borders (the seams) shrink against per tile: by 5x on the in-repo x8 VAE, but
        // only by 1.2x-2x on x4 VAEs of other widths and weights, so the bound asks for a shrink, not its size
        for (Seams seams : new Seams[] {sharedSeams, referenceSeams}) {
            assertThat(seams.bandRatio()).isLessThan(1.6);
            assertThat(seams.jumpAcross).isLessThan(naiveSeams.jumpAcross);
        }
    }

    @Test
    void fastModeEstimatesTheStatisticsFromADownsampledImage() {
        TiledVae.Options options = TiledVae.Options.XPSR.withEncoderTile(SMALL_TILE * f, ENCODER_PAD)
                .withDecoderTile(SMALL_TILE, DECODER_PAD).withFastMode(true).withAttentionNorm(SHARED);
        Diff enc = Diff.of(new TiledVae(options).encode(vae, image).mean, latents);
        Diff dec = Diff.of(new TiledVae(options).decode(vae, latents), decoded);
        double encSpread = latents.std().item_double();
        double decSpread = decoded.std().item_double();
        System.out.printf("fast mode vs untiled: encoder %s (std %.3f), decoder %s (std %.3f)%n", enc, encSpread, dec,
                decSpread);
        // in-repo x8 VAE: 9.3 % and 11.8 % of the spread, a x4 VAE of other widths 23 % and 23 %: statistics of a
        // thumbnail of one tile are rougher than those gathered from all tiles (3.9 %, 4.0 % in-repo)
        assertThat(enc.mean).isLessThan(MAX_FAST_MODE_ERROR * encSpread);
        assertThat(dec.mean).isLessThan(MAX_FAST_MODE_ERROR * decSpread);
    }

    @Test
    void tileGridFollowsVaehookSplit() {
        // decoder of SD's x8 VAE, 64 latent px, tile 16, pad 11: 3 cores of ⌈42/3⌉ = 14 rounded up to 16, from 11
        TileGrid grid = TileGrid.split(64, 64, 16, 11, 8, true);
        TileGrid.Tile first = grid.tiles().get(0);
        TileGrid.Tile middle = grid.tiles().get(4);
        TileGrid.Tile last = grid.tiles().get(8);
        assertThat(first.input()).isEqualTo(new TileGrid.Box(0, 38, 0, 38));
        assertThat(first.output()).isEqualTo(new TileGrid.Box(0, 27 * 8, 0, 27 * 8));
        assertThat(middle.input()).isEqualTo(new TileGrid.Box(16, 54, 16, 54));
        assertThat(middle.output()).isEqualTo(new TileGrid.Box(27 * 8, 43 * 8, 27 * 8, 43 * 8));
        assertThat(last.input()).isEqualTo(new TileGrid.Box(32, 64, 32, 64));
        assertThat(last.output()).isEqualTo(new TileGrid.Box(43 * 8, 512, 43 * 8, 512));
        // the same split for a x4 VAE: the same input boxes, output boxes scaled by 4
        TileGrid x4 = TileGrid.split(64, 64, 16, 11, 4, true);
        assertThat(x4.tiles().get(4).input()).isEqualTo(middle.input());
        assertThat(x4.tiles().get(4).output()).isEqualTo(new TileGrid.Box(27 * 4, 43 * 4, 27 * 4, 43 * 4));
        assertThat(TileGrid.roundedCore(14, 16)).isEqualTo(16);
        assertThat(TileGrid.roundedCore(21, 21)).isEqualTo(21);
        assertThat(TileGrid.needsTiling(256, 256, 192, 32)).isFalse();
        assertThat(TileGrid.needsTiling(264, 8, 192, 32)).isTrue();
        // a strip thinner than 2·pad: one tile spans the short axis
        TileGrid strip = TileGrid.split(16, 300, 16, 11, 8, true);
        assertThat(strip.tiles()).allSatisfy(t -> {
            assertThat(t.input().height()).isEqualTo(16);
            assertThat(t.output().height()).isEqualTo(128);
        });
    }

    @Test
    void xpsrPaddingsAreFixedInLatentPixels() {
        TiledVae.Options xpsr = TiledVae.Options.XPSR;
        // vaehook's 32 px and 11 latent px for SD's x8 VAE
        assertThat(xpsr.encoderPadPixels(8)).isEqualTo(32);
        assertThat(xpsr.decoderPad()).isEqualTo(11);
        assertThat(xpsr.encoderPadPixels(4)).isEqualTo(16);
        assertThat(xpsr.encoderPadPixels(f) % f).as("encoder padding on the latent grid").isZero();
    }

    @Test
    void optionsRejectNonPositiveTilesNegativePadsAndOffGridEncoderTiles() {
        TiledVae.Options o = TiledVae.Options.XPSR;
        assertThatThrownBy(() -> o.withEncoderTile(0, 4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("encoderTile must be positive");
        assertThatThrownBy(() -> o.withDecoderTile(-8, 11)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("decoderTile must be positive");
        assertThatThrownBy(() -> o.withEncoderTile(1024, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("encoderPad must be zero or positive");
        assertThatThrownBy(() -> o.withDecoderTile(224, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("decoderPad must be zero or positive");
        // off the latent grid of this VAE: half a latent pixel more than a whole tile
        int offGrid = SMALL_TILE * f + f / 2;
        assertThatThrownBy(() -> new TiledVae(o.withEncoderTile(offGrid, ENCODER_PAD)).encode(vae, image))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("encoderTile " + offGrid)
                .hasMessageContaining("multiple of the VAE's down factor " + f);
        long offGridHeight = image.size(2) - f / 2;
        assertThatThrownBy(() -> new TiledVae(o.withEncoderTile(SMALL_TILE * f, ENCODER_PAD))
                .encode(vae, image.narrow(2, 0, offGridHeight)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("image height " + offGridHeight)
                .hasMessageContaining("down factor " + f);
        assertThat(o.withDecoderTile(7, 0).decoderTile()).isEqualTo(7);
    }

    @Test
    void budgetPicksTheLargestTilesWhoseEstimateFitsThisVae() {
        TiledVaeMemory.Widths widths = TiledVaeMemory.Widths.of(vae);
        assertThat(widths.downFactor()).isEqualTo(f);
        int encoderPad = TiledVae.Options.XPSR.encoderPadPixels(f);
        for (long budget : new long[] {256L << 20, 512L << 20, 1L << 30}) {
            TiledVae.Options o = TiledVae.Options.forBudget(budget).forVae(widths);
            assertThat(o.memoryBudget()).as("resolved into tiles").isZero();
            assertThat(o.encoderTile() % f).as("encoder tile on the latent grid").isZero();
            assertThat(TiledVaeMemory.tileBytes(widths, true, o.decoderTile(), DECODER_PAD)).isLessThanOrEqualTo(budget);
            assertThat(TiledVaeMemory.tileBytes(widths, false, o.encoderTile(), encoderPad)).isLessThanOrEqualTo(budget);
            if (o.decoderTile() < TiledVaeMemory.DECODER_TILE_MAX) {
                assertThat(TiledVaeMemory.tileBytes(widths, true, o.decoderTile() + 1, DECODER_PAD))
                        .isGreaterThan(budget);
            }
            if (o.encoderTile() < TiledVaeMemory.ENCODER_TILE_MAX) {
                assertThat(TiledVaeMemory.tileBytes(widths, false, o.encoderTile() + f, encoderPad))
                        .isGreaterThan(budget);
            }
        }
    }

    @Test
    void aBudgetIsTurnedIntoTilesForTheVaeTheTilingMeets() {
        // a budget that fits encoder tiles smaller than the crop: the tiled result is the one of those tiles
        TiledVaeMemory.Widths widths = TiledVaeMemory.Widths.of(vae);
        int pad = TiledVae.Options.XPSR.encoderPadPixels(f);
        long budget = TiledVaeMemory.tileBytes(widths, false, SMALL_TILE * f, pad);
        TiledVae.Options chosen = TiledVae.Options.forBudget(budget).forVae(widths);
        assertThat(chosen.encoderTile()).as("encoder tile for %d bytes", budget).isEqualTo(SMALL_TILE * f);
        Tensor byBudget = new TiledVae(TiledVae.Options.forBudget(budget).withFastMode(true)).encode(vae, image).mean;
        Tensor byTiles = new TiledVae(chosen.withFastMode(true)).encode(vae, image).mean;
        assertThat(Torch.maxAbsDiff(byBudget, byTiles)).isZero();
        assertThat(Torch.maxAbsDiff(byBudget, latents)).as("tiled, not whole").isPositive();
    }

    @Test
    void budgetForSdsVaeKeepsItsTiles() {
        // SD-1.5's VAE: the tiles this model chose before it followed the VAE's config
        TiledVaeMemory.Widths sd = TiledVaeMemory.Widths.of(Sd15Configs.vae());
        long[] budgets = {1L << 30, 4L << 30, 16L << 30};
        int[][] tiles = {{592, 35}, {1344, 93}, {2816, 209}};
        for (int i = 0; i < budgets.length; i++) {
            TiledVae.Options o = TiledVae.Options.forBudget(budgets[i]).forVae(sd);
            assertThat(new int[] {o.encoderTile(), o.decoderTile()}).as("%d GiB", budgets[i] >> 30)
                    .containsExactly(tiles[i]);
            assertThat(o.encoderPadPixels(8)).isEqualTo(32);
        }
        assertThatThrownBy(() -> TiledVae.Options.forBudget(1L << 20).forVae(sd)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("memory budget").hasMessageContaining("64 px encoder tile");
    }

    /** Runs the program on one tile covering the whole input (no tiling rule, no padding). */
    private static Tensor wholeImageTile(Tensor input, boolean decoder, TiledVae.AttentionNorm norm) {
        int h = (int) input.size(2);
        int w = (int) input.size(3);
        TileGrid grid = TileGrid.split(h, w, Math.max(h, w), 0, f, decoder);
        VaeProgram program = decoder ? VaeProgram.decoder(vae.decoder, norm) : VaeProgram.encoder(vae.encoder, norm);
        long channels = decoder ? vae.decoder.conv_out.outChannels : vae.encoder.conv_out.outChannels;
        Tensor out = Torch.zeros(1, channels, decoder ? (long) h * f : h / f, decoder ? (long) w * f : w / f);
        try (TileQueue queue = TileQueue.shared(program)) {
            queue.run(input, grid, out);
        }
        return out;
    }

    /** The naive alternative: every padded tile through the plain network (its own GroupNorm), cropped, stitched. */
    private static Tensor perTile(Tensor input, TileGrid grid, UnaryOperator<Tensor> net, long channels, long side) {
        Tensor out = Torch.zeros(1, channels, side, side);
        for (TileGrid.Tile t : grid.tiles()) {
            Tensor tile = input.narrow(2, t.input().y0(), t.input().height()).narrow(3, t.input().x0(),
                    t.input().width());
            out.narrow(2, t.output().y0(), t.output().height()).narrow(3, t.output().x0(), t.output().width())
                    .copy_(grid.crop(net.apply(tile), t));
        }
        return out;
    }

    private static Tensor readImage(Path file) throws IOException {
        BufferedImage img = ImageIO.read(file.toFile());
        int h = img.getHeight();
        int w = img.getWidth();
        float[] data = new float[3 * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = img.getRGB(x, y);
                for (int c = 0; c < 3; c++) {
                    data[c * h * w + y * w + x] = ((rgb >> (16 - 8 * c)) & 0xff) / 127.5f - 1f;
                }
            }
        }
        return Torch.fromFloats(data, 1, 3, h, w);
    }

    /** Max and mean absolute difference. */
    private record Diff(double max, double mean) {
        static Diff of(Tensor a, Tensor b) {
            Tensor d = a.sub(b).abs();
            return new Diff(d.max().item_double(), d.mean().item_double());
        }

        @Override
        public String toString() {
            return String.format("max %.2e mean %.2e", max, mean);
        }
    }

    /**
     * Two views of seams in e = tiled − untiled (averaged over channels) on a square output. Band: mean |e| within
     * 4 output pixels of an inner tile boundary against the mean elsewhere (a band where tiling hurts more). Jump:
     * mean |e(p) − e(q)| over neighbouring pixels p, q on the two sides of a boundary against the same over all
     * other neighbour pairs (a step in the error is what the eye sees as an edge, even where |e| itself is even).
     */
    private record Seams(double band, double interior, double jumpAcross, double jumpElsewhere) {
        static Seams of(Tensor tiled, Tensor untiled, TileGrid grid) {
            int side = (int) tiled.size(3);
            float[] e = Torch.toFloats(tiled.sub(untiled).mean(1));
            boolean[] seam = new boolean[side];
            for (TileGrid.Tile t : grid.tiles()) {
                // the grid is square, so one set of boundary positions serves rows and columns
                if (t.output().x0() > 0) {
                    seam[t.output().x0()] = true;
                }
                if (t.output().y0() > 0) {
                    seam[t.output().y0()] = true;
                }
            }
            double[] sum = new double[4];
            long[] n = new long[4];
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    float v = e[y * side + x];
                    int band = near(seam, x) || near(seam, y) ? 0 : 1;
                    sum[band] += Math.abs(v);
                    n[band]++;
                    if (x > 0) {
                        int jump = seam[x] ? 2 : 3;
                        sum[jump] += Math.abs(v - e[y * side + x - 1]);
                        n[jump]++;
                    }
                    if (y > 0) {
                        int jump = seam[y] ? 2 : 3;
                        sum[jump] += Math.abs(v - e[(y - 1) * side + x]);
                        n[jump]++;
                    }
                }
            }
            return new Seams(sum[0] / n[0], sum[1] / n[1], sum[2] / n[2], sum[3] / n[3]);
        }

        private static boolean near(boolean[] seam, int i) {
            for (int k = Math.max(0, i - 3); k <= Math.min(seam.length - 1, i + 4); k++) {
                if (seam[k]) {
                    return true;
                }
            }
            return false;
        }

        double bandRatio() {
            return band / interior;
        }

        double jumpRatio() {
            return jumpAcross / jumpElsewhere;
        }

        @Override
        public String toString() {
            return String.format("seam band %.2e vs interior %.2e (x%.2f), error step across seams %.2e vs "
                    + "elsewhere %.2e (x%.2f)", band, interior, bandRatio(), jumpAcross, jumpElsewhere, jumpRatio());
        }
    }
}
