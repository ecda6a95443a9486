package dev.xpsr.pipeline;

/**
 * The fixed prompt strings of XPSR's inference, in one place ({@code configs/xpsr_test.yaml} and
 * {@code pipelines/pipeline_xpsr.py}).
 */
public final class XpsrPrompts {
    /** Appended to the high-level caption after a space ({@code added_prompt}). */
    public static final String ADDED_PROMPT = "clean, high-resolution, 8k, high quality, clear text.";
    /** Negative of the high-level prompt ({@code negative_prompt}). */
    public static final String NEGATIVE_PROMPT = "blurry, dotted, noise, raster lines, unclear, lowres, over-smoothed.";
    /**
     * Negative of the low-level prompt: hard-coded in {@code pipeline_xpsr.py} ({@code _encode_prompt} for the
     * low-level prompt), so the unconditional half also gets a quality description.
     */
    public static final String LOWLEVEL_NEGATIVE_PROMPT = "high resolution, best quality, clear";

    private XpsrPrompts() {
    }

    /** test.py's positive prompt: the caption (as read, newline kept) + " " + the added prompt. */
    public static String positive(String highlevelCaption, String addedPrompt) {
        return addedPrompt.isEmpty() ? highlevelCaption : highlevelCaption + " " + addedPrompt;
    }
}
