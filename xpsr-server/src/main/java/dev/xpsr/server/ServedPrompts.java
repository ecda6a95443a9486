package dev.xpsr.server;

import dev.xpsr.api.UpscaleRequest;
import dev.xpsr.prompt.AnalyserPromptSource;
import dev.xpsr.prompt.DegradationAnalyser;
import dev.xpsr.prompt.PromptSource;

import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Where a server's XPSR prompts come from when a job gives none, and the fixed texts around them.
 *
 * @param highlevel  captions (e.g. an MLLM server); also what {@code POST /api/prompts} proposes
 * @param lowlevel   low-level descriptions (e.g. the degradation analyser)
 * @param fixedTexts sets the added prompt and the negative prompts of every XPSR request
 */
public record ServedPrompts(PromptSource highlevel, PromptSource lowlevel,
                            UnaryOperator<UpscaleRequest.Builder> fixedTexts) {
    /** No caption source, the built-in degradation analyser, XPSR's fixed texts: the library's defaults. */
    public static final ServedPrompts DEFAULTS = new ServedPrompts(PromptSource.NONE,
            new AnalyserPromptSource(new DegradationAnalyser()), UnaryOperator.identity());

    public ServedPrompts {
        Objects.requireNonNull(highlevel, "highlevel");
        Objects.requireNonNull(lowlevel, "lowlevel");
        Objects.requireNonNull(fixedTexts, "fixedTexts");
    }
}
