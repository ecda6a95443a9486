package dev.xpsr.baseline;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The constant tensors (weights, biases, slopes) of one {@link LayerGraph}, created while the graph is built and
 * held for the graph's life, outside every {@code PointerScope}; {@link #release} frees them together when the
 * graph is closed.
 */
final class GraphWeights {
    private final List<Tensor> tensors = new ArrayList<>();

    /** A new constant holding {@code values} in {@code shape}. */
    Tensor constant(float[] values, long... shape) {
        return own(Torch.fromFloats(values, shape));
    }

    /** Takes {@code t} into the graph's keeping. */
    Tensor own(Tensor t) {
        t.retainReference();
        tensors.add(t);
        return t;
    }

    /** Frees every constant; the graph's operations must not run afterwards. */
    void release() {
        tensors.forEach(Tensor::releaseReference);
        tensors.clear();
    }
}
