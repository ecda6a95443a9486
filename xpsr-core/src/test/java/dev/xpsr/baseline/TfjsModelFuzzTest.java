package dev.xpsr.baseline;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.xpsr.testing.FuzzContract;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes a TF.js layers model ({@link TfjsLayersModel}, {@link KerasGraphBuilder}): the input is {@code model.json}
 * and one weight shard ({@link FuzzContract#parts}), written as {@code model/model.json} and
 * {@code model/group1-shard1of1.bin}; a second shard lies outside {@code model/}. Any pair builds a network from
 * shards of its own folder, or is refused with a {@link TfjsFormatException} naming {@code model.json}.
 */
class TfjsModelFuzzTest {
    private static final Path ROOT = FuzzContract.scratch("tfjs");
    private static final Path MODEL = ROOT.resolve("model");

    static {
        FuzzContract.write(ROOT, "outside.bin", new byte[64]);
    }

    @Timeout(60)
    @FuzzTest
    void buildsFromItsOwnShardsOrRefusesNamingModelJson(byte[] input) throws IOException {
        byte[][] parts = FuzzContract.parts(input, 2);
        Path json = FuzzContract.write(MODEL, "model.json", parts[0]);
        FuzzContract.write(MODEL, "group1-shard1of1.bin", parts[1]);
        try {
            TfjsLayersModel model = TfjsLayersModel.read(json);
            assertThat(model.file()).isEqualTo(json);
            KerasGraphBuilder.build(model).close();
        } catch (TfjsFormatException e) {
            FuzzContract.assertNames(e, json);
        }
    }
}
