package dev.xpsr.bench;

import dev.xpsr.io.DType;
import dev.xpsr.io.TensorData;
import dev.xpsr.io.TensorInfo;
import dev.xpsr.nn.Module;
import dev.xpsr.nn.WeightSource;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Seeded random float32 weights for a network whose real weight file is absent: for tests, and for timing a
 * full-size network (the compute and memory are those of the real weights; the values mean nothing). Values stay
 * in ranges that keep a deep network's activations finite: He-scaled weights, batch-norm variances around 1, small
 * biases and means, norm scales around 1.
 *
 * <p>Each tensor is drawn from its own generator, seeded by the seed and the tensor's name, so a tensor's values
 * do not depend on which other tensors exist or in which order they are read. A weight source draws a tensor only
 * when a loader reads it, so a full-size network's random weights are never all held in Java memory at once.
 * Integer entries of a module (index tables) keep the module's own values.
 */
public final class RandomWeights {
    private RandomWeights() {
    }

    /**
     * A random float32 tensor per floating-point state-dict entry of {@code model}, shaped as the model's; integer
     * entries (index tables such as a Swin's {@code relative_position_index}) keep the model's values, which random
     * numbers would make out of range.
     */
    public static Map<String, TensorData> stateDict(Module model, long seed) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        Map<String, TensorData> out = new LinkedHashMap<>();
        collect("", model, shapes, out);
        shapes.forEach((key, shape) -> out.put(key, tensor(key, shape, seed)));
        return out;
    }

    /**
     * A weight source over the state dicts of several modules, each key under its module's prefix (e.g.
     * {@code visual.} for an image tower, {@code ""} for a text tower): random float32 tensors for the floating-point
     * entries, drawn when read, and the modules' own values for the integer entries, copied now. The modules are
     * not needed afterwards: their weights may be freed.
     */
    public static WeightSource ofModules(Map<String, ? extends Module> prefixed, long seed) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        Map<String, TensorData> kept = new LinkedHashMap<>();
        prefixed.forEach((prefix, model) -> collect(prefix, model, shapes, kept));
        return source(shapes, kept, seed);
    }

    /**
     * A weight source holding a random float32 tensor per key of {@code shapes}, drawn when read; it describes
     * itself as {@code random weights (seed N)}.
     */
    public static WeightSource ofShapes(Map<String, long[]> shapes, long seed) {
        return source(shapes, Map.of(), seed);
    }

    private static WeightSource source(Map<String, long[]> shapes, Map<String, TensorData> kept, long seed) {
        Map<String, TensorInfo> infos = new LinkedHashMap<>();
        shapes.forEach((key, shape) -> infos.put(key, new TensorInfo(key, DType.F32, shape, 0,
                4L * count(key, shape))));
        kept.forEach((key, t) -> infos.put(key, new TensorInfo(key, t.dtype(), t.shape(), 0, t.byteLength())));
        Set<String> keys = Collections.unmodifiableSet(infos.keySet());
        String description = "random weights (seed " + seed + ")";
        return new WeightSource() {
            public String describe() {
                return description;
            }

            public Set<String> keys() {
                return keys;
            }

            public TensorInfo info(String key) {
                TensorInfo i = infos.get(key);
                if (i == null) {
                    throw new IllegalArgumentException(description + " has no tensor '" + key + "'");
                }
                return i;
            }

            public ByteBuffer data(String key) {
                TensorData t = kept.get(key);
                return t != null ? t.bytes() : tensor(key, info(key).shape(), seed).bytes();
            }
        };
    }

    /** The floating-point entries' shapes into {@code shapes}, the integer entries' values into {@code kept}. */
    private static void collect(String prefix, Module model, Map<String, long[]> shapes, Map<String, TensorData> kept) {
        for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
            Tensor t = e.getValue();
            long[] shape = Torch.shape(t);
            if (t.is_floating_point()) {
                shapes.put(prefix + e.getKey(), shape);
            } else {
                kept.put(prefix + e.getKey(), TensorData.ofBytes(dtype(t), shape, Torch.toBytes(t)));
            }
        }
    }

    /** By value: the enum constants JavaCPP returns from {@code scalar_type()} are not the canonical instances. */
    private static DType dtype(Tensor t) {
        ScalarType type = t.scalar_type();
        for (DType d : DType.values()) {
            if (Torch.scalarType(d).value == type.value) {
                return d;
            }
        }
        throw new IllegalArgumentException("no safetensors dtype for " + type);
    }

    /** The random float32 tensor called {@code key} of {@code shape} for {@code seed}. */
    public static TensorData tensor(String key, long[] shape, long seed) {
        float[] values = values(key, shape, new SplittableRandom(seed * 0x9E3779B97F4A7C15L + key.hashCode()));
        return TensorData.ofFloats(shape, values);
    }

    private static float[] values(String key, long[] shape, SplittableRandom rng) {
        float[] v = new float[count(key, shape)];
        long fanIn = shape.length > 1 ? v.length / Math.max(1, shape[0]) : 1;
        for (int i = 0; i < v.length; i++) {
            double g = gaussian(rng);
            // batch norms near the identity, so that the scale neither grows nor fades over dozens of layers
            v[i] = (float) (key.endsWith("running_var") ? 0.8 + 0.4 * rng.nextDouble()
                    : key.endsWith("running_mean") || key.endsWith("bias") ? 0.01 * g
                    : key.contains("bn") && key.endsWith("weight") ? 0.9 + 0.2 * rng.nextDouble()
                    : shape.length > 1 ? g * Math.sqrt(2.0 / fanIn)
                    : 1 + 0.1 * g);
        }
        return v;
    }

    private static int count(String key, long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("'" + key + "' has a negative dimension: " + Arrays.toString(shape));
            }
            n *= d;
        }
        if (n > Integer.MAX_VALUE / 4) {
            throw new IllegalArgumentException("'" + key + "' " + Arrays.toString(shape) + " is too large for one "
                    + "random tensor");
        }
        return (int) n;
    }

    private static double gaussian(SplittableRandom rng) {
        double u = 1 - rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextDouble());
    }
}
