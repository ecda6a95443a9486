package dev.xpsr.io;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.xpsr.testing.FuzzContract;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;

/**
 * Fuzzes the restricted pickle reader ({@link TorchPickle}, a checkpoint's {@code data.pkl}): any bytes give plain
 * values or a {@link TorchCheckpointException} naming the checkpoint; no global outside the tensor state-dict list
 * is ever resolved, and no nesting, memo loop or declared length exhausts the stack or the heap.
 */
class TorchPickleFuzzTest {
    private static final Path FILE = Path.of("fuzzed.bin");

    @Timeout(60)
    @FuzzTest
    void readsPlainValuesOrRefusesNamingTheCheckpoint(byte[] pickle) throws Exception {
        FuzzContract.resultOrRefusal(() -> TorchPickle.read(pickle, FILE), TorchCheckpointException.class, FILE);
    }
}
