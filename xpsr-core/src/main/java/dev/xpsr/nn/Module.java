package dev.xpsr.nn;

import dev.xpsr.torch.Placement;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A node of a model tree, like {@code torch.nn.Module}: it owns named parameters, named buffers and named
 * children, so the dotted path from the root to a parameter is exactly its state-dict key
 * ({@code down_blocks.0.attentions.0.proj_in.weight}). Subclasses register children and parameters in their
 * constructors under the reference's field names and implement their own {@code forward}.
 *
 * <p>Parameters are created as float32 zeros on the CPU and filled by a weight loader or an initialiser; they
 * live outside any {@code PointerScope}, so they survive the per-step scopes of the sampling loop. A module built
 * inside {@link #withoutStorage} gets storage-free placeholders instead, which the loader or initialiser replaces
 * tensor by tensor in the final precision, so a network never exists twice (fp32 and bf16) during loading.
 */
public abstract class Module {
    /** Set while {@link #withoutStorage} builds a module on this thread. */
    private static final ThreadLocal<Boolean> BUILDING_WITHOUT_STORAGE = ThreadLocal.withInitial(() -> false);

    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();

    /** Registers a child module under {@code name} and returns it. */
    protected <M extends Module> M child(String name, M module) {
        if (children.containsKey(name) || parameters.containsKey(name)) {
            throw new IllegalStateException("duplicate member '" + name + "' in " + getClass().getSimpleName());
        }
        children.put(name, module);
        return module;
    }

    /**
     * Builds a module whose parameters are placeholders: the right shape over one stored zero (all strides 0),
     * as accelerate's {@code init_empty_weights} builds on the meta device. {@link WeightLoader} and {@link Init}
     * give each one its storage when they fill it; {@link #to} turns any still left into zeros. Only the calling
     * thread is affected, and only while {@code build} runs.
     */
    public static <M extends Module> M withoutStorage(Supplier<M> build) {
        boolean outer = BUILDING_WITHOUT_STORAGE.get();
        BUILDING_WITHOUT_STORAGE.set(true);
        try {
            return build.get();
        } finally {
            BUILDING_WITHOUT_STORAGE.set(outer);
        }
    }

    /** Whether {@code t} is a placeholder of {@link #withoutStorage}: several elements, all on one stored zero. */
    public static boolean isPlaceholder(Tensor t) {
        if (t.numel() <= 1) {
            return false;
        }
        for (int i = 0; i < t.dim(); i++) {
            if (t.stride(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** Registers a float32 parameter of the given shape: zeros, or a placeholder inside {@link #withoutStorage}. */
    protected Tensor parameter(String name, long... shape) {
        if (children.containsKey(name) || parameters.containsKey(name)) {
            throw new IllegalStateException("duplicate member '" + name + "' in " + getClass().getSimpleName());
        }
        Tensor t = BUILDING_WITHOUT_STORAGE.get() ? Torch.zeros().expand(shape) : Torch.zeros(shape);
        t.retainReference();
        parameters.put(name, t);
        return t;
    }

    /** Registers a persistent buffer (in the state dict, not trained). */
    protected Tensor buffer(String name, Tensor value) {
        value.retainReference();
        buffers.put(name, value);
        return value;
    }

    /** Every parameter of this subtree, keyed by its state-dict name, in registration order. */
    public Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, false);
        return out;
    }

    /** Parameters and buffers of this subtree: what {@code state_dict()} would hold. */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, true);
        return out;
    }

    /** The direct children, keyed by name. */
    public Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /**
     * Moves every parameter and buffer of this subtree to {@code placement} (device and, for floating-point
     * tensors, precision), in place: the tensor objects the modules hold keep their identity, as
     * {@code module.to(device, dtype)} does in PyTorch. Placeholders still left become zeros.
     */
    public void to(Placement placement) {
        // the scope frees each converted copy's own handle at once: left to the garbage collector, the handles kept
        // the storage they were made with alive, so converting back and forth held every earlier copy
        try (AutoCloseable guard = Torch.noGrad(); PointerScope scope = new PointerScope()) {
            for (Tensor t : stateDict().values()) {
                t.set_data(placement.place(isPlaceholder(t) ? Torch.zeros(Torch.shape(t)) : t));
            }
        } catch (Exception e) {
            throw new IllegalStateException("moving " + getClass().getSimpleName() + " to " + placement + " failed: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Frees the storage of every parameter and buffer of this subtree (each tensor is left empty, so a later
     * forward fails with a shape error rather than touching freed memory). For networks that are loaded per use and
     * dropped afterwards.
     */
    public void releaseWeights() {
        try (AutoCloseable guard = Torch.noGrad()) {
            for (Tensor t : stateDict().values()) {
                t.set_data(t.new_empty(0L));
            }
        } catch (Exception e) {
            throw new IllegalStateException("releasing " + getClass().getSimpleName() + " failed: " + e.getMessage(), e);
        }
    }

    /** Turns gradient tracking of every parameter of this subtree on or off (trainable / frozen). */
    public void requiresGrad(boolean on) {
        for (Tensor t : namedParameters().values()) {
            t.requires_grad_(on);
        }
    }

    /** Number of scalar parameters in this subtree. */
    public long parameterCount() {
        long n = 0;
        for (Tensor t : namedParameters().values()) {
            n += t.numel();
        }
        return n;
    }

    private void collect(String prefix, Map<String, Tensor> out, boolean withBuffers) {
        parameters.forEach((k, v) -> out.put(prefix + k, v));
        if (withBuffers) {
            buffers.forEach((k, v) -> out.put(prefix + k, v));
        }
        children.forEach((k, m) -> m.collect(prefix + k + ".", out, withBuffers));
    }
}
