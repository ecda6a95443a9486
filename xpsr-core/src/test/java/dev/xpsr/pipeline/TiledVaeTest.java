package dev.xpsr.pipeline;

import dev.xpsr.golden.Golden;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.model.AutoencoderKL;
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
 * The Tiled VAE on the golden tiny VAE (the reference's weights, SD's topology with 16 channels and 8 groups) and a
 * real photo (a 384 × 384 crop of skimage's astronaut, in [−1, 1]): exact where the reference runs the plain
 * forward, exact when the task queue runs one whole-image tile, and close to the untiled network where it tiles —
 * several times closer than tiles normalised on their own, without a seam.
 *
 * <p>Bounds. The test tiles are tiny (cores of 16–21 latent px, 128 px) so that a 384 px image splits; on them
 * the reference algorithm itself stays 3–5 % of the signal's spread off the untiled network (decoder 2.9e-2 mean
 * abs in [−1, 1] units, so the 2e-2 one might hope for does not hold). Where that comes from was measured on these
 * weights: pooling the variance exactly (adding the spread of the tile means, which vaehook leaves out) changed the
 * decoder error from 5.6e-2 to 5.7e-2 (3 × 3 tiles of 12 latent px), removing the attention lowered it to 4.6e-2;
 * the rest is the padding — 11 latent px against the decoder's receptive radius of about 17 latent px
 * (11 convolutions at latent resolution, then 7, 7 and 8 at ×2, ×4 and ×8), so on tiles this small every output
 * pixel sees a tile edge. The asserted bounds sit about 30 % above the measured values, and the improvement over
 * per-tile GroupNorm is asserted as a ratio.
 */
class TiledVaeTest {
    private static GoldenFixture fixture;
    private static AutoCloseable inference;
    private static AutoencoderKL vae;
    /** A 384 × 384 crop of the photo, (1, 3, 384, 384) in [−1, 1]. */
    private static Tensor image;
    /** The untiled reference results on it: moments (1, 8, 48, 48), posterior mean, and its decoded image. */
    private static Tensor moments;
    private static Tensor latents;
    private static Tensor decoded;

    @BeforeAll
    static void load() throws IOException {
        fixture = GoldenFixture.open("vae_tiny");
        inference = Torch.inferenceMode();
        vae = Golden.loadWeights(fixture, new AutoencoderKL(Golden.config(fixture)));
        Tensor photo = readImage(Path.of(System.getProperty("xpsr.data", "../fixtures/data"))
                .resolve("images/hr/skimage_astronaut.png"));
        // handles of our own, held by static fields outside any scope for the whole class
        image = new Tensor(photo.narrow(2, 64, 384).narrow(3, 64, 384));
        try (PointerScope scope = new PointerScope()) {
            AutoencoderKL.Posterior p = vae.encode(image);
            moments = keep(p.moments);
            latents = keep(p.mean);
            decoded = keep(vae.decode(latents));
        }
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
        // 384 = 320 + 2·32 and 48 = 26 + 2·11: the largest inputs vaehook still runs untiled with these tiles
        TiledVae tiled = new TiledVae(TiledVae.Options.XPSR.withEncoderTile(320, 32).withDecoderTile(26, 11));
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
        TileGrid grid = TileGrid.split(384, 384, 128, 32, 8, false);
        assertThat(grid.tiles()).hasSize(9);
        Tensor naive = vae.quant_conv.forward(perTile(image, grid, vae.encoder::forward, 8, 48)).narrow(1, 0, 4);
        Diff naiveDiff = Diff.of(naive, latents);
        TiledVae.Options options = TiledVae.Options.XPSR.withEncoderTile(128, 32);
        Diff shared = Diff.of(new TiledVae(options.withAttentionNorm(SHARED)).encode(vae, image).mean, latents);
        Tensor reference = new TiledVae(options).encode(vae, image).mean;
        Tensor referenceWhole = vae.quant_conv.forward(wholeImageTile(image, false, REFERENCE)).narrow(1, 0, 4);
        Diff referenceDiff = Diff.of(reference, referenceWhole);
        System.out.printf("encoder, 3x3 tiles of 128+2x32 px, posterior mean (std %.3f) vs untiled: per-tile "
                        + "GroupNorm %s; shared GroupNorm %s; reference attention vs its own one-tile network %s "
                        + "(vs untiled %s)%n",
                latents.std().item_double(), naiveDiff, shared, referenceDiff, Diff.of(reference, latents));
        // measured 3.7e-2 and 4.5e-2 against 2.4e-1 per tile (latent std 0.96); see the class comment for why the
        // reference's own algorithm stays a few percent off on tiles this small
        assertThat(shared.mean).isLessThan(5e-2).isLessThan(naiveDiff.mean / 4);
        assertThat(referenceDiff.mean).isLessThan(6e-2).isLessThan(naiveDiff.mean / 4);
    }

    @Test
    void multiTileDecodeIsCloseToUntiledWithoutSeams() {
        TileGrid grid = TileGrid.split(48, 48, 16, 11, 8, true);
        assertThat(grid.tiles()).hasSize(4);
        Tensor z = vae.post_quant_conv.forward(latents);
        Tensor naive = perTile(z, grid, vae.decoder::forward, 3, 384);
        TiledVae.Options options = TiledVae.Options.XPSR.withDecoderTile(16, 11);
        Tensor shared = new TiledVae(options.withAttentionNorm(SHARED)).decode(vae, latents);
        Tensor reference = new TiledVae(options).decode(vae, latents);
        Tensor referenceWhole = wholeImageTile(z, true, REFERENCE);
        Diff naiveDiff = Diff.of(naive, decoded);
        Seams naiveSeams = Seams.of(naive, decoded, grid);
        Diff sharedDiff = Diff.of(shared, decoded);
        Seams sharedSeams = Seams.of(shared, decoded, grid);
        Diff referenceDiff = Diff.of(reference, referenceWhole);
        Seams referenceSeams = Seams.of(reference, referenceWhole, grid);
        System.out.printf("decoder, 2x2 tiles of 16+2x11 latent px, image (std %.3f) vs untiled: per-tile GroupNorm "
                        + "%s, %s; shared GroupNorm %s, %s; reference attention vs its own one-tile network %s, %s "
                        + "(vs untiled %s)%n", decoded.std().item_double(), naiveDiff, naiveSeams, sharedDiff,
                sharedSeams, referenceDiff, referenceSeams, Diff.of(reference, decoded));
        // measured 2.9e-2 and 3.1e-2 against 1.2e-1 per tile, in [−1, 1] units
        assertThat(sharedDiff.mean).isLessThan(4e-2).isLessThan(naiveDiff.mean / 3);
        assertThat(referenceDiff.mean).isLessThan(4e-2).isLessThan(naiveDiff.mean / 3);
        for (Seams seams : new Seams[] {sharedSeams, referenceSeams}) {
            assertThat(seams.bandRatio()).isLessThan(1.5);
            assertThat(seams.jumpAcross).isLessThan(naiveSeams.jumpAcross / 3);
        }
    }

    @Test
    void fastModeEstimatesTheStatisticsFromADownsampledImage() {
        TiledVae.Options options = TiledVae.Options.XPSR.withEncoderTile(128, 32).withDecoderTile(16, 11)
                .withFastMode(true).withAttentionNorm(SHARED);
        Diff enc = Diff.of(new TiledVae(options).encode(vae, image).mean, latents);
        Diff dec = Diff.of(new TiledVae(options).decode(vae, latents), decoded);
        System.out.println("fast mode vs untiled: encoder " + enc + ", decoder " + dec);
        // measured 9.0e-2 and 8.6e-2: statistics of a 128 px (16 latent px) thumbnail are rougher than those
        // gathered from all tiles (3.7e-2, 2.9e-2), yet still better than per-tile GroupNorm (2.4e-1, 1.2e-1)
        assertThat(enc.mean).isLessThan(0.12);
        assertThat(dec.mean).isLessThan(0.11);
    }

    @Test
    void tileGridFollowsVaehookSplit() {
        // decoder, 64 latent px, tile 16, pad 11: 3 cores of ⌈42/3⌉ = 14 rounded up to 16, from 11
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
    void optionsRejectNonPositiveTilesNegativePadsAndOffGridEncoderTiles() {
        TiledVae.Options o = TiledVae.Options.XPSR;
        assertThatThrownBy(() -> o.withEncoderTile(0, 32)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("encoderTile must be positive");
        assertThatThrownBy(() -> o.withDecoderTile(-8, 11)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("decoderTile must be positive");
        assertThatThrownBy(() -> o.withEncoderTile(1024, -8)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("encoderPad must be zero or positive");
        assertThatThrownBy(() -> o.withDecoderTile(224, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("decoderPad must be zero or positive");
        assertThatThrownBy(() -> o.withEncoderTile(1000, 30)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("multiples of 8");
        assertThatThrownBy(() -> new TiledVae(o.withEncoderTile(64, 32)).encode(vae, image.narrow(2, 0, 300)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("image height 300");
        assertThat(o.withDecoderTile(7, 0).decoderTile()).isEqualTo(7);
    }

    @Test
    void budgetPicksTheLargestTilesWhoseEstimateFits() {
        TiledVaeMemory.Widths sd = TiledVaeMemory.Widths.SD15;
        for (long budget : new long[] {1L << 30, 4L << 30, 16L << 30}) {
            TiledVae.Options o = TiledVae.Options.forBudget(budget);
            assertThat(TiledVaeMemory.tileBytes(sd, true, o.decoderTile(), 11)).isLessThanOrEqualTo(budget);
            assertThat(TiledVaeMemory.tileBytes(sd, true, o.decoderTile() + 1, 11)).isGreaterThan(budget);
            assertThat(TiledVaeMemory.tileBytes(sd, false, o.encoderTile(), 32)).isLessThanOrEqualTo(budget);
            assertThat(TiledVaeMemory.tileBytes(sd, false, o.encoderTile() + 8, 32)).isGreaterThan(budget);
            System.out.printf("budget %d GiB: encoder tile %d px, decoder tile %d latent px%n", budget >> 30,
                    o.encoderTile(), o.decoderTile());
        }
        assertThat(TiledVae.Options.forBudget(4L << 30).decoderTile())
                .isGreaterThan(TiledVae.Options.forBudget(1L << 30).decoderTile());
        assertThatThrownBy(() -> TiledVae.Options.forBudget(1L << 20)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("memory budget");
    }

    /** Runs the program on one tile covering the whole input (no tiling rule, no padding). */
    private static Tensor wholeImageTile(Tensor input, boolean decoder, TiledVae.AttentionNorm norm) {
        int h = (int) input.size(2);
        int w = (int) input.size(3);
        TileGrid grid = TileGrid.split(h, w, Math.max(h, w), 0, 8, decoder);
        VaeProgram program = decoder ? VaeProgram.decoder(vae.decoder, norm) : VaeProgram.encoder(vae.encoder, norm);
        long channels = decoder ? 3 : 8;
        Tensor out = Torch.zeros(1, channels, decoder ? h * 8L : h / 8, decoder ? w * 8L : w / 8);
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
