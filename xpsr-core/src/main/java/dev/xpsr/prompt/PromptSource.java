package dev.xpsr.prompt;

import dev.xpsr.io.RgbImage;

import java.util.Optional;

/**
 * Something that can give the prompt of one kind for an image: a fixed argument ({@link FixedPromptSource}), an
 * XPSR prompt folder ({@link FolderPromptSource}), a model server ({@link ServerPromptSource}) or the built-in
 * analyser ({@link AnalyserPromptSource}); {@link PromptChain} tries several in order. Implementations are
 * thread-safe.
 */
public interface PromptSource {
    /** A source that never has a prompt, so the prompt stays empty. */
    PromptSource NONE = new PromptSource() {
        @Override
        public Optional<Prompt> prompt(String name, RgbImage image) {
            return Optional.empty();
        }

        @Override
        public String describe() {
            return "no source";
        }
    };

    /**
     * The prompt for the image named {@code name} (file name without extension), or empty when this source has
     * none for it (e.g. no prompt file).
     *
     * @throws PromptException when the source has one but could not produce it (a server error, an unreadable
     *                         file)
     */
    Optional<Prompt> prompt(String name, RgbImage image) throws PromptException;

    /** What this source is, for reports. */
    String describe();
}
