package dev.xpsr.nn;

import dev.xpsr.torch.Placement;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

import java.util.function.Consumer;

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
        draw(root, generator, null);
    }

    /**
     * {@link #pytorchDefaults(Module, Generator)}, leaving every tensor on {@code target}. Each parameter is drawn
     * in float32 and converted at once, so the values equal drawing everything first and converting afterwards,
     * while a module built {@link Module#withoutStorage without storage} never holds its float32 weights whole.
     */
    public static void pytorchDefaults(Module root, Generator generator, Placement target) {
        draw(root, generator, target);
        root.to(target);
    }

    private static void draw(Module root, Generator generator, Placement target) {
        try (AutoCloseable guard = Torch.noGrad()) {
            visit(root, generator, target);
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

    private static void visit(Module m, Generator g, Placement target) {
        if (m instanceof Linear l) {
            uniformFanIn(l.weight, l.inFeatures, g, target);
            if (l.bias != null) {
                uniformFanIn(l.bias, l.inFeatures, g, target);
            }
        } else if (m instanceof Conv2d c) {
            long fanIn = c.inChannels * c.kernelSize * c.kernelSize;
            uniformFanIn(c.weight, fanIn, g, target);
            uniformFanIn(c.bias, fanIn, g, target);
        } else if (m instanceof GroupNorm n) {
            set(n.weight, target, t -> Torch.fill_(t, 1.0));
            set(n.bias, target, Tensor::zero_);
        } else if (m instanceof LayerNorm n) {
            set(n.weight, target, t -> Torch.fill_(t, 1.0));
            set(n.bias, target, Tensor::zero_);
        } else if (m instanceof Embedding e) {
            set(e.weight, target, t -> Torch.normal_(t, 0.0, 1.0, g));
        }
        for (Module child : m.children().values()) {
            visit(child, g, target);
        }
    }

    /**
     * Fills {@code t} (a placeholder gets float32 storage first), then moves it to {@code target} unless that is
     * null.
     */
    private static void set(Tensor t, Placement target, Consumer<Tensor> fill) {
        // the scope drops the handles of the tensors made here at once: left to the garbage collector, each handle
        // would keep its storage alive, the float32 draws past their conversion and a released network's weights
        try (PointerScope scope = new PointerScope()) {
            if (Module.isPlaceholder(t)) {
                t.set_data(Torch.zeros(Torch.shape(t)));
            }
            fill.accept(t);
            if (target != null) {
                t.set_data(target.place(t));
            }
        }
    }

    private static void uniformFanIn(Tensor t, long fanIn, Generator g, Placement target) {
        double bound = 1.0 / Math.sqrt(fanIn);
        set(t, target, x -> Torch.uniform_(x, -bound, bound, g));
    }
}
