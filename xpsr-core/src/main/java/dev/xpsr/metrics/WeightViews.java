package dev.xpsr.metrics;

import dev.xpsr.io.DType;
import dev.xpsr.io.TensorInfo;
import dev.xpsr.nn.WeightSource;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
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

    /** Suffixes of a table stored as its non-zero rows: the rows, and their indices in the full table. */
    static final String ROWS = "_rows";
    static final String ROW_IDS = "_row_ids";

    /**
     * {@code source} with the table {@code key} rebuilt, if it is stored sparsely: {@code key_rows} [n, width] holds
     * the only non-zero rows of a {@code rowCount} × width table and {@code key_row_ids} [n] their row indices
     * (integral values of any numeric type). The golden fixtures store CLIP's 49,408-row token embedding this way,
     * keeping only the rows its prompts use. The table is built as float32 with zeros elsewhere; a source that
     * holds {@code key} itself, or no {@code key_rows}, is returned unchanged.
     *
     * @throws IllegalArgumentException if the two entries do not match or an index is not a row of the table
     */
    static WeightSource withScatteredRows(WeightSource source, String key, long rowCount) {
        if (source.keys().contains(key) || !source.keys().contains(key + ROWS)) {
            return source;
        }
        String where = source.describe() + ": '" + key + ROWS + "' / '" + key + ROW_IDS + "'";
        if (!source.keys().contains(key + ROW_IDS)) {
            throw new IllegalArgumentException(source.describe() + " has '" + key + ROWS + "' but no '" + key
                    + ROW_IDS + "' naming the rows it holds");
        }
        long[] rowsShape = source.info(key + ROWS).shape();
        long[] idsShape = source.info(key + ROW_IDS).shape();
        if (rowsShape.length != 2 || idsShape.length != 1 || idsShape[0] != rowsShape[0]) {
            throw new IllegalArgumentException(where + " have shapes " + Arrays.toString(rowsShape) + " and "
                    + Arrays.toString(idsShape) + "; expected [n, width] and [n]");
        }
        int width = Math.toIntExact(rowsShape[1]);
        float[] table = new float[Math.toIntExact(Math.multiplyExact(rowCount, (long) width))];
        try (PointerScope scope = new PointerScope()) {
            float[] rows = Torch.toFloats(read(source, key + ROWS));
            double[] ids = Torch.toDoubles(read(source, key + ROW_IDS));
            for (int r = 0; r < ids.length; r++) {
                double id = ids[r];
                if (id != Math.rint(id) || id < 0 || id >= rowCount) {
                    throw new IllegalArgumentException(where + ": row id " + id + " is not a row of a " + rowCount
                            + "-row table");
                }
                System.arraycopy(rows, r * width, table, (int) id * width, width);
            }
            Set<String> keys = new LinkedHashSet<>(source.keys());
            keys.remove(key + ROWS);
            keys.remove(key + ROW_IDS);
            return withDefaults(new WeightSource() {
                public String describe() {
                    return source.describe();
                }

                public Set<String> keys() {
                    return keys;
                }

                public TensorInfo info(String k) {
                    return source.info(k);
                }

                public ByteBuffer data(String k) {
                    return source.data(k);
                }
            }, Map.of(key, Torch.fromFloats(table, rowCount, width)));
        }
    }

    private static Tensor read(WeightSource source, String key) {
        TensorInfo info = source.info(key);
        return Torch.fromBytes(source.data(key), Torch.scalarType(info.dtype()), info.shape());
    }

    /** A key without the {@code module.} prefix {@code nn.DataParallel} adds (pyiqa's {@code clean_state_dict}). */
    static String withoutDataParallelPrefix(String key) {
        return key.startsWith("module.") ? key.substring("module.".length()) : key;
    }
}
