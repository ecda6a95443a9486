package dev.xpsr.torch;

import java.util.Arrays;
import java.util.Locale;

/**
 * The engine's exact speed-ups: changes of how a result is computed (which library, which memory layout, what is
 * computed once instead of per step) that leave it equal up to float32 rounding. Each is on by default only where
 * a benchmark showed it pays; {@code xpsr bench --subject step --compare NAME} times the step alternately without
 * and with one, and a test checks that both ways agree.
 */
public enum ExactTuning {
    /**
     * Large float32 linear layers on oneDNN with every ATen thread instead of the one-thread BLAS. Off: on the shared
     * 2-core development machine (load average 11) the step took x1.25 as long with it (median of 5 alternating
     * pairs, 32x32 latent), as threads that wait for each other lose more than a second core gives there; it is
     * kept for machines whose cores are free, to be measured there before it is switched on.
     */
    ONEDNN_LINEAR(false),
    /**
     * The ControlNet's encoding of the control image once per denoising loop (and once for the guidance batch's two
     * identical samples) instead of at every step.
     */
    ENCODE_CONDITION_ONCE(true);

    private volatile boolean enabled;

    ExactTuning(boolean enabledByDefault) {
        this.enabled = enabledByDefault;
    }

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
