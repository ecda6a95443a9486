package dev.xpsr.nn;

import dev.xpsr.io.CheckpointFiles;
import dev.xpsr.io.SafetensorsFile;
import dev.xpsr.io.TensorInfo;

import java.nio.ByteBuffer;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Function;

/**
 * Named raw tensors a model's weights are loaded from: a safetensors file, a sharded checkpoint, or a view of
 * one (a key prefix of a combined file, a key rename for legacy names).
 */
public interface WeightSource {
    /** What to name in error messages (usually the file). */
    String describe();

    Set<String> keys();

    TensorInfo info(String key);

    ByteBuffer data(String key);

    static WeightSource of(SafetensorsFile file) {
        return new WeightSource() {
            public String describe() {
                return file.path().toString();
            }

            public Set<String> keys() {
                return file.keys();
            }

            public TensorInfo info(String key) {
                return file.info(key);
            }

            public ByteBuffer data(String key) {
                return file.data(key);
            }
        };
    }

    static WeightSource of(CheckpointFiles files, String description) {
        return new WeightSource() {
            public String describe() {
                return description;
            }

            public Set<String> keys() {
                return files.keys();
            }

            public TensorInfo info(String key) {
                return files.info(key);
            }

            public ByteBuffer data(String key) {
                return files.data(key);
            }
        };
    }

    /** The keys that start with {@code prefix}, with the prefix removed (e.g. {@code unet.} in a bundle). */
    default WeightSource withPrefix(String prefix) {
        WeightSource base = this;
        Set<String> keys = new LinkedHashSet<>();
        for (String k : base.keys()) {
            if (k.startsWith(prefix)) {
                keys.add(k.substring(prefix.length()));
            }
        }
        return new WeightSource() {
            public String describe() {
                return base.describe() + " [" + prefix + "*]";
            }

            public Set<String> keys() {
                return keys;
            }

            public TensorInfo info(String key) {
                return base.info(prefix + key);
            }

            public ByteBuffer data(String key) {
                return base.data(prefix + key);
            }
        };
    }

    /** All keys except those starting with one of {@code prefixes} (e.g. a fixture's {@code input.}/{@code output.}). */
    default WeightSource without(String... prefixes) {
        WeightSource base = this;
        Set<String> keys = new LinkedHashSet<>();
        outer:
        for (String k : base.keys()) {
            for (String p : prefixes) {
                if (k.startsWith(p)) {
                    continue outer;
                }
            }
            keys.add(k);
        }
        return new WeightSource() {
            public String describe() {
                return base.describe();
            }

            public Set<String> keys() {
                return keys;
            }

            public TensorInfo info(String key) {
                return base.info(key);
            }

            public ByteBuffer data(String key) {
                return base.data(key);
            }
        };
    }

    /** Keys renamed by {@code rename} (applied to every source key; must be one-to-one). */
    default WeightSource renamed(Function<String, String> rename) {
        WeightSource base = this;
        java.util.Map<String, String> toSource = new java.util.LinkedHashMap<>();
        for (String k : base.keys()) {
            toSource.put(rename.apply(k), k);
        }
        return new WeightSource() {
            public String describe() {
                return base.describe();
            }

            public Set<String> keys() {
                return toSource.keySet();
            }

            public TensorInfo info(String key) {
                return base.info(toSource.get(key));
            }

            public ByteBuffer data(String key) {
                return base.data(toSource.get(key));
            }
        };
    }
}
