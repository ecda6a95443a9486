package dev.xpsr.prompt;

import dev.xpsr.io.RgbImage;

import java.util.Objects;
import java.util.Optional;

/** The same prompt for every image, given as an argument. */
public final class FixedPromptSource implements PromptSource {
    private final String text;

    public FixedPromptSource(String text) {
        this.text = Objects.requireNonNull(text, "text");
    }

    @Override
    public Optional<Prompt> prompt(String name, RgbImage image) {
        return Optional.of(new Prompt(text, PromptOrigin.ARGUMENT, "given text"));
    }

    @Override
    public String describe() {
        return "the given text";
    }
}
