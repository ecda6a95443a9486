package dev.xpsr.metrics;

import dev.xpsr.io.SafetensorsFile;
import dev.xpsr.io.TensorInfo;
import dev.xpsr.nn.TorchBinWeights;
import dev.xpsr.nn.WeightSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Set;

/** Opens a weight file as a {@link WeightSource}; the caller closes the source once the weights are copied. */
@FunctionalInterface
public interface WeightOpener {
    /** An open weight file; {@link #close} releases it. */
    interface Opened extends WeightSource, AutoCloseable {
        @Override
        void close();
    }

    Opened open(Path file) throws IOException;

    /** {@code .safetensors} by memory mapping, anything else as a PyTorch {@code torch.save} archive (.pth, .pt, .bin). */
    static WeightOpener standard() {
        return file -> file.getFileName().toString().endsWith(".safetensors") ? safetensors(file)
                : torchSave(TorchBinWeights.open(file));
    }

    private static Opened safetensors(Path file) throws IOException {
        SafetensorsFile f = SafetensorsFile.open(file);
        return wrap(WeightSource.of(f), f::close);
    }

    private static Opened torchSave(TorchBinWeights weights) {
        return wrap(weights, weights::close);
    }

    private static Opened wrap(WeightSource source, Runnable close) {
        return new Opened() {
            public String describe() {
                return source.describe();
            }

            public Set<String> keys() {
                return source.keys();
            }

            public TensorInfo info(String key) {
                return source.info(key);
            }

            public ByteBuffer data(String key) {
                return source.data(key);
            }

            public void close() {
                close.run();
            }
        };
    }
}
