package dev.xpsr.io;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.xpsr.testing.FuzzContract;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the safetensors reader, header and data ({@link SafetensorsFile}): any file opens, and then every
 * tensor reads back with the element count its header declares, or the file is refused with a
 * {@link SafetensorsFormatException} naming it. Regression mode replays {@code SafetensorsFuzzTestInputs/}.
 */
class SafetensorsFuzzTest {
    private static final Path DIR = FuzzContract.scratch("safetensors");

    @FuzzTest
    void opensAndReadsEveryTensorOrRefusesNamingTheFile(byte[] input) throws Exception {
        Path file = FuzzContract.write(DIR, "model.safetensors", input);
        FuzzContract.resultOrRefusal(() -> {
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                for (TensorInfo info : f.infos()) {
                    assertThat(f.floats(info.name())).hasSize((int) info.numel());
                }
            }
            return file;
        }, SafetensorsFormatException.class, file);
    }
}
