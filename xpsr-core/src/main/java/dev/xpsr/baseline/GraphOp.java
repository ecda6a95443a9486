package dev.xpsr.baseline;

import org.bytedeco.pytorch.Tensor;

/**
 * The computation of one layer of a {@link LayerGraph}: its input blobs in, its output blobs out, all float32
 * (1, C, H, W). An op may return one of its inputs unchanged (a split or a no-op) but must never modify an
 * input in place: other layers may still read it.
 */
@FunctionalInterface
public interface GraphOp {
    Tensor[] apply(Tensor... inputs);
}
