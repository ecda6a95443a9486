package dev.xpsr.pipeline;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.util.function.Supplier;

/**
 * Tensors that must outlive the {@link PointerScope} that computed them (a tile's activation between tasks, a kept
 * shortcut, shared statistics). {@link #compute} runs one computation in its own scope, so every temporary it
 * makes is freed at once, and hands back the result with one reference that the caller owns; {@link #release}
 * gives that reference up. Holding each surviving tensor by exactly one owned reference keeps the accounting
 * explicit: a tile's memory is freed the moment its last holder lets go, as Python frees a dropped tensor.
 */
final class Owned {
    private Owned() {
    }

    /** Runs {@code fn} in a fresh scope; the result carries one reference owned by the caller. */
    static Tensor compute(Supplier<Tensor> fn) {
        try (PointerScope scope = new PointerScope()) {
            // a handle of our own (created in this scope), so releasing it can never free a handle of the caller's,
            // even when fn returns its input unchanged (an identity shortcut)
            Tensor own = new Tensor(fn.get());
            own.retainReference();
            return own;
        }
    }

    /** Gives up the caller's reference (null is ignored). */
    static void release(Tensor t) {
        if (t != null) {
            t.releaseReference();
        }
    }
}
