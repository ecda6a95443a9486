package dev.xpsr.nn;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.xpsr.io.TorchCheckpointException;
import dev.xpsr.testing.FuzzContract;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the whole {@code torch.save} loader ({@link TorchBinWeights}: the zip container, its entries' sizes and
 * CRCs, the restricted pickle, then libtorch's own unpickler on the checked tensors): any file gives tensors that
 * all copy out with the byte count their shape declares, or a {@link TorchCheckpointException} naming the file.
 * libtorch trusts its input, so this is where a hostile file would crash the JVM if a check were missing.
 */
class TorchBinWeightsFuzzTest {
    private static final Path DIR = FuzzContract.scratch("torch-bin");
    /** A bound far below the default: the fuzzer's files are small, and its declared sizes must not be trusted. */
    private static final long MAX_BYTES = 1 << 20;

    @Timeout(60)
    @FuzzTest
    void loadsEveryTensorOrRefusesNamingTheFile(byte[] input) throws Exception {
        Path file = FuzzContract.write(DIR, "pytorch_model.bin", input);
        FuzzContract.resultOrRefusal(() -> {
            try (TorchBinWeights weights = TorchBinWeights.open(file, MAX_BYTES)) {
                for (String key : weights.keys()) {
                    assertThat(weights.data(key).remaining()).isEqualTo(weights.info(key).byteLength());
                }
            }
            return file;
        }, TorchCheckpointException.class, file);
    }
}
