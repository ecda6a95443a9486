package dev.xpsr.nn;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

/** {@code nn.Embedding}: ids (...) int64 → rows of {@code weight} (num, dim), shape (..., dim). */
public final class Embedding extends Module {
    public final Tensor weight;

    public Embedding(long num, long dim) {
        this.weight = parameter("weight", num, dim);
    }

    public Tensor forward(Tensor ids) {
        return Torch.embedding(weight, ids);
    }
}
