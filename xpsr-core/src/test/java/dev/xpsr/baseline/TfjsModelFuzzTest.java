package dev.xpsr.baseline;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.xpsr.testing.FuzzContract;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;

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
    void buildsFromItsOwnShardsOrRefusesNamingModelJson(byte[] input) throws Exception {
        byte[][] parts = FuzzContract.parts(input, 2);
        Path json = FuzzContract.write(MODEL, "model.json", parts[0]);
        FuzzContract.write(MODEL, "group1-shard1of1.bin", parts[1]);
        LayerGraph graph = FuzzContract.resultOrRefusal(() -> KerasGraphBuilder.build(TfjsLayersModel.read(json)),
                TfjsFormatException.class, json);
        if (graph != null) {
            graph.close();
        }
    }
}
