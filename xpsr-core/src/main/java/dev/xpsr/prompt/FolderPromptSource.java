package dev.xpsr.prompt;

import dev.xpsr.io.RgbImage;

import java.io.IOException;
import java.util.Optional;

/**
 * Prompts read from an XPSR prompt folder with {@link PromptStore#readExact} — {@code test.py}'s exact string,
 * a trailing line break included if the file's first line has one.
 */
public final class FolderPromptSource implements PromptSource {
    private final PromptStore store;
    private final PromptKind kind;

    public FolderPromptSource(PromptStore store, PromptKind kind) {
        this.store = store;
        this.kind = kind;
    }

    @Override
    public Optional<Prompt> prompt(String name, RgbImage image) throws PromptException {
        try {
            return store.readExact(kind, name)
                    .map(text -> new Prompt(text, PromptOrigin.FOLDER, store.file(kind, name).toString()));
        } catch (IOException e) {
            throw new PromptException("cannot read " + store.file(kind, name) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String describe() {
        return "prompt folder " + store.root().resolve(kind.folder());
    }
}
