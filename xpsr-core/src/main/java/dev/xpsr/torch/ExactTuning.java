package dev.xpsr.torch;

import java.util.Arrays;
import java.util.Locale;

/**
 * The engine's exact speed-ups: changes of how a result is computed (which library, which memory layout, what is
 * computed once instead of per step) that leave it equal up to float32 rounding. All are on; a benchmark switches
 * one off to measure what it pays ({@code xpsr bench --subject step --compare NAME}), and a test to check that both
 * ways agree.
 */
public enum ExactTuning {
    /** Large float32 linear layers on oneDNN with every ATen thread instead of the one-thread BLAS. */
    ONEDNN_LINEAR,
    /**
     * The ControlNet's encoding of the control image once per denoising loop (and once for the guidance batch's two
     * identical samples) instead of at every step.
     */
    ENCODE_CONDITION_ONCE;

    private volatile boolean enabled = true;

    public boolean enabled() {
        return enabled;
    }

    /** Switches this speed-up on or off for the whole process; returns the previous setting. */
    public boolean set(boolean on) {
        boolean was = enabled;
        enabled = on;
        return was;
    }

    /** The command-line name, e.g. {@code onednn-linear}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The speed-up named {@code id}. */
    public static ExactTuning parse(String id) {
        return Arrays.stream(values()).filter(t -> t.id().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no exact speed-up '" + id + "'; known: "
                        + String.join(", ", Arrays.stream(values()).map(ExactTuning::id).toList())));
    }
}
