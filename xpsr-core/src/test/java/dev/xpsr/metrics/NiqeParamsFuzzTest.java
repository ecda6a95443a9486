package dev.xpsr.metrics;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.xpsr.testing.FuzzContract;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Fuzzes NIQE's pristine model ({@code niqe_pris_params.npz} through {@link NpzFile} and {@link Niqe#load}): a zip
 * of {@code .npy} arrays, stored or deflated. Any file gives the model or an {@link IOException} naming the file;
 * no array is allocated from a shape or size the archive cannot back.
 */
class NiqeParamsFuzzTest {
    private static final Path DIR = FuzzContract.scratch("npz");

    @Timeout(60)
    @FuzzTest
    void loadsTheModelOrRefusesNamingTheFile(byte[] input) throws Exception {
        Path file = FuzzContract.write(DIR, Niqe.PARAMS_FILE, input);
        FuzzContract.resultOrRefusal(() -> Niqe.load(file, 0), IOException.class, file);
    }
}
