package dev.xpsr.metrics;

import dev.xpsr.io.DType;
import dev.xpsr.io.TensorData;
import dev.xpsr.io.TensorInfo;
import dev.xpsr.nn.Module;
import dev.xpsr.nn.WeightSource;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

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
 * do not depend on which other tensors exist or in which order they are read. {@link #source} draws a tensor only
 * when a loader reads it, so a full-size network's random weights are never all held in Java memory at once.
 */
public final class RandomWeights {
    private RandomWeights() {
    }

    /** The state-dict keys of {@code model} with their shapes, in state-dict order. */
    public static Map<String, long[]> shapes(Module model) {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
            out.put(e.getKey(), Torch.shape(e.getValue()));
        }
        return out;
    }

    /** A random tensor per state-dict key of {@code model}, shaped as the model's. */
    public static Map<String, TensorData> stateDict(Module model, long seed) {
        Map<String, TensorData> out = new LinkedHashMap<>();
        shapes(model).forEach((key, shape) -> out.put(key, tensor(key, shape, seed)));
        return out;
    }

    /**
     * A weight source holding a random float32 tensor per key of {@code shapes}, drawn when read; it describes
     * itself as {@code random weights (seed N)}.
     */
    public static WeightSource source(Map<String, long[]> shapes, long seed) {
        Map<String, TensorInfo> infos = new LinkedHashMap<>();
        shapes.forEach((key, shape) -> infos.put(key, new TensorInfo(key, DType.F32, shape, 0,
                4 * count(key, shape))));
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
                return tensor(key, info(key).shape(), seed).bytes();
            }
        };
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
