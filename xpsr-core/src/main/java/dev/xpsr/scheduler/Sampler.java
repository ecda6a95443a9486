package dev.xpsr.scheduler;

import java.util.Arrays;
import java.util.Locale;

/** The samplers a restoration can use, each a diffusers scheduler class driven by the same scheduler config. */
public enum Sampler {
    /** {@code DDPMScheduler}: XPSR's {@code test.py} default. */
    DDPM,
    /** {@code DDIMScheduler} (η = 0). */
    DDIM,
    /** {@code UniPCMultistepScheduler} (bh2, order 2): XPSR's validation sampler. */
    UNIPC,
    /** {@code DPMSolverMultistepScheduler} (DPM-Solver++ 2M): a fast mode for fewer steps, not XPSR's own. */
    DPMPP_2M;

    /** The lower-case name used on the command line and in settings, e.g. {@code ddpm}, {@code dpmpp-2m}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Parses {@code ddpm}, {@code ddim}, {@code unipc} or {@code dpmpp-2m} (any case). */
    public static Sampler parse(String s) {
        for (Sampler v : values()) {
            if (v.id().equalsIgnoreCase(s == null ? "" : s.trim())) {
                return v;
            }
        }
        throw new IllegalArgumentException("sampler must be one of " + String.join(", ",
                Arrays.stream(values()).map(Sampler::id).toList()) + ", got '" + s + "'");
    }

    /** A new scheduler of this kind built from {@code config}. */
    public Scheduler create(SchedulerConfig config) {
        return switch (this) {
            case DDPM -> new DDPMScheduler(config);
            case DDIM -> new DDIMScheduler(config);
            case UNIPC -> new UniPCMultistepScheduler(config);
            case DPMPP_2M -> new DPMSolverMultistepScheduler(config);
        };
    }
}
