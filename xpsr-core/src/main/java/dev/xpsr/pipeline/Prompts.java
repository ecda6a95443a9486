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

    /**
     * The texts a restoration with {@code options}' switches encodes: the negatives empty when negative prompts are
     * off (diffusers' unconditional text without a {@code negative_prompt}), the low-level text empty when the
     * low-level prompt is off (no low-level context is encoded then). The caption switch acts where the caption
     * is still separate from the added prompt, when the prompts are put together.
     */
    public Prompts under(UpscaleOptions options) {
        boolean negatives = options.usesNegativePrompts();
        return new Prompts(positive, negatives ? negative : "", options.usesLowlevelPrompt() ? lowlevel : "",
                negatives ? lowlevelNegative : "");
    }

    /** XPSR's prompts for a high-level caption and a low-level description, with the default fixed strings. */
    public static Prompts xpsr(String highlevelCaption, String lowlevelDescription) {
        return new Prompts(XpsrPrompts.positive(highlevelCaption, XpsrPrompts.ADDED_PROMPT), XpsrPrompts.NEGATIVE_PROMPT,
                lowlevelDescription, XpsrPrompts.LOWLEVEL_NEGATIVE_PROMPT);
    }
}
