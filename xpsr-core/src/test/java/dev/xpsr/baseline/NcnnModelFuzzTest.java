package dev.xpsr.baseline;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.xpsr.testing.FuzzContract;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;

/**
 * Fuzzes an ncnn model ({@link NcnnParamFile}, {@link NcnnModelBin}, {@link NcnnGraphBuilder}): the input is the
 * {@code .param} text and the {@code .bin} weights ({@link FuzzContract#parts}). Any pair builds a network or is
 * refused with an {@link NcnnFormatException} naming the file, the layer and the value at fault; no weight buffer
 * is allocated from a count the {@code .bin} cannot back.
 */
class NcnnModelFuzzTest {
    private static final Path DIR = FuzzContract.scratch("ncnn");

    @Timeout(60)
    @FuzzTest
    void buildsTheNetworkOrRefusesNamingTheFile(byte[] input) throws Exception {
        byte[][] parts = FuzzContract.parts(input, 2);
        Path param = FuzzContract.write(DIR, "model.param", parts[0]);
        Path bin = FuzzContract.write(DIR, "model.bin", parts[1]);
        LayerGraph graph = FuzzContract.resultOrRefusal(() -> NcnnGraphBuilder.build(NcnnParamFile.read(param),
                NcnnModelBin.open(bin)), NcnnFormatException.class, param, bin);
        if (graph != null) {
            graph.close();
        }
    }
}
