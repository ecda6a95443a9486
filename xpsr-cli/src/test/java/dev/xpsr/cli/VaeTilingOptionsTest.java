package dev.xpsr.cli;

import dev.xpsr.model.Sd15Configs;
import dev.xpsr.pipeline.TiledVae;
import dev.xpsr.pipeline.TiledVaeMemory;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import static org.assertj.core.api.Assertions.assertThat;

class VaeTilingOptionsTest {
    private static final TiledVaeMemory.Widths SD15 = TiledVaeMemory.Widths.of(Sd15Configs.vae());
    /** A VAE with three blocks: down factor 4. */
    private static final TiledVaeMemory.Widths X4 = new TiledVaeMemory.Widths(new int[] {64, 128, 128});

    @Command(name = "probe")
    static final class Probe {
        @Mixin
        VaeTilingOptions vae;
    }

    private static TiledVae.Options parse(String... args) {
        Probe p = new Probe();
        new CommandLine(p).parseArgs(args);
        return p.vae.toOptions();
    }

    @Test
    void defaultsAreXpsrsTiles() {
        assertThat(parse()).isEqualTo(TiledVae.Options.XPSR);
    }

    @Test
    void tileSidesKeepXpsrsPaddings() {
        TiledVae.Options o = parse("--vae-encoder-tile", "512", "--vae-decoder-tile", "64", "--vae-fast");
        assertThat(o).isEqualTo(TiledVae.Options.XPSR.withEncoderTile(512, 4).withDecoderTile(64, 11)
                .withFastMode(true));
        assertThat(o.encoderPadPixels(8)).as("32 px for SD's VAE").isEqualTo(32);
    }

    @Test
    void aMemoryBudgetChoosesTilesForTheVaeItMeetsAndRunsThemInFastMode() {
        TiledVae.Options o = parse("--vae-memory", "1G");
        assertThat(o).isEqualTo(TiledVae.Options.forBudget(1L << 30).withFastMode(true));
        TiledVae.Options sd = o.forVae(SD15);
        assertThat(sd.fastMode()).isTrue();
        assertThat(sd.decoderTile()).isLessThan(TiledVae.Options.XPSR.decoderTile());
        TiledVae.Options x4 = o.forVae(X4);
        assertThat(x4.encoderTile() % 4).isZero();
        assertThat(x4).isNotEqualTo(sd);
    }

    @Test
    void noTilingRunsTheVaeWhole() {
        assertThat(parse("--no-vae-tiling")).isEqualTo(TiledVae.Options.UNTILED);
    }
}
