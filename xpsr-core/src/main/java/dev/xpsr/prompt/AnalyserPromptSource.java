package dev.xpsr.prompt;

import dev.xpsr.io.RgbImage;

import java.util.Optional;

/** Low-level prompts measured from the image by the built-in {@link DegradationAnalyser}. */
public final class AnalyserPromptSource implements PromptSource {
    private final DegradationAnalyser analyser;

    public AnalyserPromptSource(DegradationAnalyser analyser) {
        this.analyser = analyser;
    }

    @Override
    public Optional<Prompt> prompt(String name, RgbImage image) {
        return Optional.of(new Prompt(analyser.describe(image), PromptOrigin.ANALYSER, "built-in analyser"));
    }

    @Override
    public String describe() {
        return "built-in degradation analyser";
    }
}
