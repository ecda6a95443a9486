package dev.xpsr.metrics;

import dev.xpsr.nn.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * A module that only groups named members, like an {@code nn.Sequential} or plain {@code nn.Module} attribute in
 * the reference, so the state-dict paths match the reference's keys; its owner runs the computation.
 */
public final class Container extends Module {
    <M extends Module> M add(String name, M module) {
        return child(name, module);
    }

    public Tensor addParameter(String name, long... shape) {
        return parameter(name, shape);
    }

    Tensor addBuffer(String name, Tensor value) {
        return buffer(name, value);
    }
}
