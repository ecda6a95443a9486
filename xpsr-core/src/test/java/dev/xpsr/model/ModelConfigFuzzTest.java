package dev.xpsr.model;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.xpsr.io.JsonConfig;
import dev.xpsr.io.ModelConfigException;
import dev.xpsr.testing.FuzzContract;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;

/**
 * Fuzzes a model's {@code config.json} as the UNet, the ControlNet and XPSR's fusion switch read it
 * ({@link JsonConfig}, {@link UNetConfig}, {@link XpsrControlNetLayout#of}): any file gives a config or a
 * {@link ModelConfigException} naming the file (and, where one is at fault, the key).
 */
class ModelConfigFuzzTest {
    private static final Path DIR = FuzzContract.scratch("model-config");

    @Timeout(60)
    @FuzzTest
    void givesAConfigOrRefusesNamingTheFile(byte[] input) throws Exception {
        Path file = FuzzContract.write(DIR, "config.json", input);
        FuzzContract.resultOrRefusal(() -> {
            JsonConfig config = JsonConfig.read(file);
            UNetConfig.from(config, true);
            UNetConfig.from(config, false);
            return XpsrControlNetLayout.of(config);
        }, ModelConfigException.class, file);
    }
}
