package dev.xpsr.nn;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

/** {@code nn.LayerNorm(dim, eps)} over the last dimension, with affine weight and bias. */
public final class LayerNorm extends Module {
    public final Tensor weight;
    public final Tensor bias;
    public final double eps;

    public LayerNorm(long dim, double eps) {
        this.eps = eps;
        this.weight = parameter("weight", dim);
        this.bias = parameter("bias", dim);
    }

    public Tensor forward(Tensor x) {
        return Torch.layerNorm(x, weight, bias, eps);
    }
}
