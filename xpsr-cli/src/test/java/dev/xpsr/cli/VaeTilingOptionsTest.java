package dev.xpsr.cli;

import dev.xpsr.pipeline.TiledVae;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import static org.assertj.core.api.Assertions.assertThat;

class VaeTilingOptionsTest {
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
        assertThat(o).isEqualTo(TiledVae.Options.XPSR.withEncoderTile(512, 32).withDecoderTile(64, 11)
                .withFastMode(true));
    }

    @Test
    void aMemoryBudgetChoosesTilesThatFitAndRunsThemInFastMode() {
        TiledVae.Options o = parse("--vae-memory", "1G");
        assertThat(o).isEqualTo(TiledVae.Options.forBudget(1L << 30).withFastMode(true));
        assertThat(o.decoderTile()).isLessThan(TiledVae.Options.XPSR.decoderTile());
    }

    @Test
    void noTilingRunsTheVaeWhole() {
        assertThat(parse("--no-vae-tiling")).isEqualTo(TiledVae.Options.UNTILED);
    }
}
