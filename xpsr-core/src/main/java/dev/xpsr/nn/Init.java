package dev.xpsr.nn;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

/**
 * Parameter initialisers, applied in place under no-grad.
 *
 * <p>{@link #pytorchDefaults} reproduces what PyTorch's layer constructors draw (the distributions, not the exact
 * stream): Linear and Conv2d weights and biases U(−1/√fan_in, 1/√fan_in) (kaiming-uniform with a = √5), norms
 * weight 1 and bias 0, embeddings N(0, 1). This is the "fresh" initialisation a new layer gets in the reference.
 */
public final class Init {
    private Init() {
    }

    /** Initialises every parameter of {@code root} as PyTorch's default layer constructors would. */
    public static void pytorchDefaults(Module root, Generator generator) {
        try (AutoCloseable guard = Torch.noGrad()) {
            visit(root, generator);
        } catch (Exception e) {
            throw new IllegalStateException("initialisation failed", e);
        }
    }

    /** Sets every parameter of {@code root} to zero (ControlNet zero convolutions). */
    public static void zeros(Module root) {
        try (AutoCloseable guard = Torch.noGrad()) {
            for (Tensor t : root.namedParameters().values()) {
                t.zero_();
            }
        } catch (Exception e) {
            throw new IllegalStateException("initialisation failed", e);
        }
    }

    private static void visit(Module m, Generator g) {
        if (m instanceof Linear l) {
            uniformFanIn(l.weight, l.inFeatures, g);
            if (l.bias != null) {
                uniformFanIn(l.bias, l.inFeatures, g);
            }
        } else if (m instanceof Conv2d c) {
            long fanIn = c.inChannels * c.kernelSize * c.kernelSize;
            uniformFanIn(c.weight, fanIn, g);
            uniformFanIn(c.bias, fanIn, g);
        } else if (m instanceof GroupNorm n) {
            Torch.fill_(n.weight, 1.0);
            n.bias.zero_();
        } else if (m instanceof LayerNorm n) {
            Torch.fill_(n.weight, 1.0);
            n.bias.zero_();
        } else if (m instanceof Embedding e) {
            Torch.normal_(e.weight, 0.0, 1.0, g);
        }
        for (Module child : m.children().values()) {
            visit(child, g);
        }
    }

    private static void uniformFanIn(Tensor t, long fanIn, Generator g) {
        double bound = 1.0 / Math.sqrt(fanIn);
        Torch.uniform_(t, -bound, bound, g);
    }
}
