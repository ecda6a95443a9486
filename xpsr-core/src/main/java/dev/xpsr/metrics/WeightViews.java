package dev.xpsr.metrics;

import dev.xpsr.io.DType;
import dev.xpsr.io.TensorInfo;
import dev.xpsr.nn.WeightSource;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * Views that let one network be loaded from the files users actually have: several files merged (a torchvision
 * backbone plus a metric's head), keys renamed to the network's names, and constant buffers the reference builds
 * in code (not stored in every weight file) filled in from their reference values.
 */
final class WeightViews {
    private WeightViews() {
    }

    private record Ref(WeightSource source, String key) {
    }

    /**
     * The keys of all {@code sources} passed through {@code rename} (null drops a key), in source order; on a
     * duplicate name the first source wins.
     */
    static WeightSource merged(List<WeightSource> sources, UnaryOperator<String> rename) {
        Map<String, Ref> keys = new LinkedHashMap<>();
        for (WeightSource s : sources) {
            for (String k : s.keys()) {
                String name = rename.apply(k);
                if (name != null) {
                    keys.putIfAbsent(name, new Ref(s, k));
                }
            }
        }
        String description = sources.stream().map(WeightSource::describe).collect(Collectors.joining(" + "));
        return new WeightSource() {
            public String describe() {
                return description;
            }

            public Set<String> keys() {
                return keys.keySet();
            }

            public TensorInfo info(String key) {
                Ref r = ref(key);
                TensorInfo i = r.source().info(r.key());
                return new TensorInfo(key, i.dtype(), i.shape(), i.begin(), i.end());
            }

            public ByteBuffer data(String key) {
                Ref r = ref(key);
                return r.source().data(r.key());
            }

            private Ref ref(String key) {
                Ref r = keys.get(key);
                if (r == null) {
                    throw new IllegalArgumentException(description + " has no tensor '" + key + "'");
                }
                return r;
            }
        };
    }

    /** {@code source} plus, for every key of {@code defaults} it lacks, that tensor's float32 values. */
    static WeightSource withDefaults(WeightSource source, Map<String, Tensor> defaults) {
        Map<String, byte[]> extra = new LinkedHashMap<>();
        Map<String, TensorInfo> infos = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : defaults.entrySet()) {
            if (!source.keys().contains(e.getKey())) {
                byte[] bytes = Torch.toBytes(e.getValue().to(ScalarType.Float));
                extra.put(e.getKey(), bytes);
                infos.put(e.getKey(), new TensorInfo(e.getKey(), DType.F32, Torch.shape(e.getValue()), 0, bytes.length));
            }
        }
        List<String> all = new ArrayList<>(source.keys());
        all.addAll(extra.keySet());
        Set<String> keys = new LinkedHashSet<>(all);
        return new WeightSource() {
            public String describe() {
                return source.describe();
            }

            public Set<String> keys() {
                return keys;
            }

            public TensorInfo info(String key) {
                return infos.containsKey(key) ? infos.get(key) : source.info(key);
            }

            public ByteBuffer data(String key) {
                byte[] b = extra.get(key);
                return b != null ? ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN) : source.data(key);
            }
        };
    }

    /** A key without the {@code module.} prefix {@code nn.DataParallel} adds (pyiqa's {@code clean_state_dict}). */
    static String withoutDataParallelPrefix(String key) {
        return key.startsWith("module.") ? key.substring("module.".length()) : key;
    }
}
