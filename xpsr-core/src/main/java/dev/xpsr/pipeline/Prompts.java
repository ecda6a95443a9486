package dev.xpsr.pipeline;

import java.util.Objects;

/**
 * The four texts one restoration is conditioned on: the positive high-level prompt (caption + added prompt), its
 * negative, the low-level (quality) prompt and its negative. The unconditional half of classifier-free guidance
 * uses the two negatives.
 */
public record Prompts(String positive, String negative, String lowlevel, String lowlevelNegative) {
    public Prompts {
        Objects.requireNonNull(positive, "positive prompt");
        Objects.requireNonNull(negative, "negative prompt");
        Objects.requireNonNull(lowlevel, "low-level prompt");
        Objects.requireNonNull(lowlevelNegative, "low-level negative prompt");
    }

    /** XPSR's prompts for a high-level caption and a low-level description, with the default fixed strings. */
    public static Prompts xpsr(String highlevelCaption, String lowlevelDescription) {
        return new Prompts(XpsrPrompts.positive(highlevelCaption, XpsrPrompts.ADDED_PROMPT), XpsrPrompts.NEGATIVE_PROMPT,
                lowlevelDescription, XpsrPrompts.LOWLEVEL_NEGATIVE_PROMPT);
    }
}
