package dev.xpsr.api;

import dev.xpsr.pipeline.Prompts;

import java.util.Objects;

/**
 * The prompts one restoration used and where they came from.
 *
 * @param prompts the four texts
 * @param source  a short description of their sources, e.g. "high-level folder (…), low-level analyser (…)"
 */
public record ResolvedPrompts(Prompts prompts, String source) {
    public ResolvedPrompts {
        Objects.requireNonNull(prompts, "prompts");
        Objects.requireNonNull(source, "source");
    }
}
