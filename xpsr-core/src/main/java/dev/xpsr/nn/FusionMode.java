package dev.xpsr.nn;

import java.util.Locale;

/**
 * How a block combines the high-level and the low-level prompt (the paper's fusion ablation).
 *
 * <ul>
 *   <li>{@link #PARALLEL}: Semantic-Fusion Attention, XPSR's default: {@code attentions} (high-level) and
 *       {@code attentions_lowlevel} (low-level) on the same input, then {@code attentions_connect} with the
 *       high-level result as query and the low-level result's tokens as keys/values.</li>
 *   <li>{@link #SERIAL}: the paper's Eq. 1: high-level cross-attention, then low-level cross-attention on its
 *       output ({@code attentions} then {@code attentions_lowlevel}).</li>
 *   <li>{@link #HIGH}: the high-level prompt only (plain SD / diffusers blocks).</li>
 *   <li>{@link #LOW}: the low-level prompt only, through the single {@code attentions} stack.</li>
 * </ul>
 */
public enum FusionMode {
    PARALLEL, SERIAL, HIGH, LOW;

    /** Whether the block carries {@code attentions_lowlevel}. */
    public boolean hasLowlevelStack() {
        return this == PARALLEL || this == SERIAL;
    }

    /** Whether the block carries {@code attentions_connect}. */
    public boolean hasConnectStack() {
        return this == PARALLEL;
    }

    /** The config and command-line value: {@code parallel}, {@code serial}, {@code high}, {@code low}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a config value ({@code "parallel"}, ...), naming the valid choices on failure. */
    public static FusionMode parse(String value, String source) {
        try {
            return valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new dev.xpsr.io.ModelConfigException(source + ": fusion mode '" + value
                    + "' is unknown; use parallel, serial, high or low");
        }
    }
}
