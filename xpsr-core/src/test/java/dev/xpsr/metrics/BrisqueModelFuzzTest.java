package dev.xpsr.metrics;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.xpsr.testing.FuzzContract;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Fuzzes BRISQUE's OpenCV FileStorage YAML files ({@link FileStorageYaml}, {@link OpenCvSvr}, {@link Brisque#load}):
 * the input is the SVM model and the feature range ({@link FuzzContract#parts}). Any pair gives the metric or an
 * {@link IOException} naming the file at fault.
 */
class BrisqueModelFuzzTest {
    private static final Path DIR = FuzzContract.scratch("brisque");

    @Timeout(60)
    @FuzzTest
    void loadsTheModelOrRefusesNamingTheFile(byte[] input) throws Exception {
        byte[][] parts = FuzzContract.parts(input, 2);
        Path model = FuzzContract.write(DIR, Brisque.MODEL_FILE, parts[0]);
        Path range = FuzzContract.write(DIR, Brisque.RANGE_FILE, parts[1]);
        FuzzContract.resultOrRefusal(() -> Brisque.load(model, range), IOException.class, model, range);
    }
}
