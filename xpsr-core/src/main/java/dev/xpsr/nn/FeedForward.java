package dev.xpsr.nn;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code FeedForward} with the GEGLU activation: {@code net.0.proj} (dim → 2·4·dim), split into
 * value and gate, {@code value · gelu(gate)}, then {@code net.2} (4·dim → dim). x (B, N, dim) → (B, N, dim).
 * {@code net.1} is a dropout with no parameters.
 */
public final class FeedForward extends Module {
    /** {@code net.0} is the GEGLU holding {@code proj}; {@code net.2} the output projection. */
    public final ModuleList<Module> net;
    private final Linear proj;
    private final Linear out;

    public FeedForward(long dim, long mult) {
        long inner = dim * mult;
        Geglu geglu = new Geglu(dim, inner);
        this.proj = geglu.proj;
        this.out = new Linear(inner, dim);
        this.net = child("net", new ModuleList<Module>().add(geglu).add(new Dropout()).add(out));
    }

    public Tensor forward(Tensor x) {
        return Torch.scoped(() -> {
            Tensor[] valueGate = Torch.chunk(proj.forward(x), 2, -1);
            return out.forward(valueGate[0].mul(Torch.gelu(valueGate[1])));
        });
    }

    /** {@code GEGLU}: holds the projection to twice the inner width. */
    public static final class Geglu extends Module {
        public final Linear proj;

        Geglu(long dimIn, long dimOut) {
            this.proj = child("proj", new Linear(dimIn, dimOut * 2));
        }
    }

    /** A parameterless placeholder keeping the reference's list indices ({@code net.2}). */
    public static final class Dropout extends Module {
    }
}
