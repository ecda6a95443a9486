package dev.xpsr.train;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.xpsr.testing.FuzzContract;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Fuzzes the training config ({@link TrainConfig#read}, YAML through SnakeYAML or JSON through Jackson): the
 * input's first byte picks the file type, the rest is the file. Any file gives a config or a
 * {@link TrainConfigException} naming the file; no alias expansion or nesting runs away.
 */
class TrainConfigFuzzTest {
    private static final Path DIR = FuzzContract.scratch("train-config");

    @Timeout(60)
    @FuzzTest
    void givesAConfigOrRefusesNamingTheFile(byte[] input) throws Exception {
        if (input.length == 0) {
            return;
        }
        String name = (input[0] & 1) == 0 ? "xpsr.yaml" : "xpsr.json";
        Path file = FuzzContract.write(DIR, name, Arrays.copyOfRange(input, 1, input.length));
        FuzzContract.resultOrRefusal(() -> TrainConfig.read(file), TrainConfigException.class, file);
    }
}
