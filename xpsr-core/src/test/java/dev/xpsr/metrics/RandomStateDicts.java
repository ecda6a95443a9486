package dev.xpsr.metrics;

import dev.xpsr.io.TensorData;
import dev.xpsr.nn.Module;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Seeded random state dicts for a module tree, with values in ranges that keep a deep network's activations
 * finite: He-scaled weights, batch-norm variances around 1, small biases and means.
 */
final class RandomStateDicts {
    private RandomStateDicts() {
    }

    /** A tensor per state-dict key of {@code model}, shaped as the model's. */
    static Map<String, TensorData> of(Module model, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, TensorData> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
            long[] shape = Torch.shape(e.getValue());
            out.put(e.getKey(), TensorData.ofFloats(shape, values(e.getKey(), shape, rng)));
        }
        return out;
    }

    private static float[] values(String key, long[] shape, SplittableRandom rng) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] v = new float[Math.toIntExact(n)];
        long fanIn = shape.length > 1 ? n / shape[0] : 1;
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

    private static double gaussian(SplittableRandom rng) {
        double u = 1 - rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextDouble());
    }
}
