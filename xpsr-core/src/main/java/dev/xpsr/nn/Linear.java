package dev.xpsr.nn;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

/** {@code nn.Linear}: y = x Wᵀ + b, x (..., in) → y (..., out); W (out, in), b (out) or none. */
public final class Linear extends Module {
    public final Tensor weight;
    public final Tensor bias;
    public final long inFeatures;
    public final long outFeatures;

    public Linear(long inFeatures, long outFeatures, boolean bias) {
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = parameter("weight", outFeatures, inFeatures);
        this.bias = bias ? parameter("bias", outFeatures) : null;
    }

    public Linear(long inFeatures, long outFeatures) {
        this(inFeatures, outFeatures, true);
    }

    public Tensor forward(Tensor x) {
        return Torch.linear(x, weight, bias);
    }
}
