package dev.xpsr.io;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.xpsr.testing.FuzzContract;
import org.junit.jupiter.api.Timeout;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the sharded index ({@code model.safetensors.index.json}, {@link CheckpointFiles}): next to the index lie
 * two real shards, and beside the index's folder a third safetensors file that no index may reach. Any index
 * opens only shards of its own folder, whose tensors then all read, or is refused naming the index.
 */
class ShardedCheckpointFuzzTest {
    private static final Path ROOT = FuzzContract.scratch("sharded-index");
    private static final Path MODEL = ROOT.resolve("model");

    static {
        try {
            shard(MODEL.resolve("model-00001-of-00002.safetensors"), "down.weight");
            shard(MODEL.resolve("model-00002-of-00002.safetensors"), "up.weight");
            shard(ROOT.resolve("outside.safetensors"), "down.weight");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Timeout(60)
    @FuzzTest
    void opensOnlyShardsOfItsFolderOrRefusesNamingTheIndex(byte[] input) throws Exception {
        Path index = FuzzContract.write(MODEL, "model.safetensors.index.json", input);
        FuzzContract.resultOrRefusal(() -> {
            try (CheckpointFiles checkpoint = CheckpointFiles.open(index)) {
                for (SafetensorsFile shard : checkpoint.files()) {
                    assertThat(shard.path().toAbsolutePath().normalize().getParent()).isEqualTo(MODEL);
                }
                for (String key : checkpoint.keys()) {
                    assertThat(checkpoint.floats(key)).hasSize((int) checkpoint.info(key).numel());
                }
            }
            return index;
        }, List.of(SafetensorsFormatException.class, FileNotFoundException.class), index);
    }

    private static void shard(Path file, String key) throws IOException {
        java.nio.file.Files.createDirectories(file.getParent());
        SafetensorsWriter.write(file, Map.of(key, TensorData.ofFloats(new long[] {2, 2}, new float[] {1, 2, 3, 4})),
                Map.of("format", "pt"));
    }
}
