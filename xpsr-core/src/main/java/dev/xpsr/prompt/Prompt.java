package dev.xpsr.prompt;

import java.util.Objects;

/**
 * A prompt and where it came from.
 *
 * @param text   the prompt as the pipeline should use it (a folder prompt may end with the line break XPSR's
 *               reader keeps)
 * @param origin the kind of source
 * @param detail which one: the file, the server and model, "built-in analyser", ...
 */
public record Prompt(String text, PromptOrigin origin, String detail) {
    /** The empty prompt used when no source has one. */
    public static final Prompt NONE = new Prompt("", PromptOrigin.NONE, "no prompt");

    public Prompt {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(detail, "detail");
    }

    /** "server (openai http://… model llava)" — for per-image reports. */
    public String source() {
        return origin.name().toLowerCase(java.util.Locale.ROOT) + " (" + detail + ")";
    }
}
