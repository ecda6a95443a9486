package dev.xpsr.nn;

import dev.xpsr.torch.Profiler;

import java.util.function.Supplier;

/** The families of blocks a profile ({@link Profiler}) splits a UNet or ControlNet pass into. */
public enum BlockFamily {
    RESNET("ResNet blocks"),
    TRANSFORMER("transformer blocks"),
    SEMANTIC_FUSION("SFA"),
    PIXEL_ATTENTION("pixel attentions"),
    CONDITIONING_ENCODER("conditioning encoder");

    private final String label;

    BlockFamily(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** Runs {@code body} as a block of this family (see {@link Profiler#region}). */
    <T> T run(Supplier<T> body) {
        return Profiler.region(label, body);
    }
}
