package dev.xpsr.prompt;

import dev.xpsr.io.RgbImage;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Sources tried in order; the first that has a prompt gives it. E.g. the prompt folder first, then a server,
 * then the analyser: existing captions are reused and only missing ones cost a request. A failing source ends the
 * chain with its error rather than silently falling through, so a broken server or file is noticed.
 */
public final class PromptChain implements PromptSource {
    private final List<PromptSource> sources;

    public PromptChain(List<PromptSource> sources) {
        this.sources = List.copyOf(sources);
    }

    public static PromptChain of(PromptSource... sources) {
        return new PromptChain(List.of(sources));
    }

    /**
     * XPSR's high-level chain as the command line and the batch jobs order it: a caption given for every image, the
     * prompt folder, the caption server; a null one is left out.
     */
    public static PromptChain highlevel(String caption, PromptStore folder, CaptionClient server) {
        List<PromptSource> high = new ArrayList<>();
        if (caption != null) {
            high.add(new FixedPromptSource(caption));
        }
        if (folder != null) {
            high.add(new FolderPromptSource(folder, PromptKind.HIGH_LEVEL));
        }
        if (server != null) {
            high.add(ServerPromptSource.forKind(server, PromptKind.HIGH_LEVEL));
        }
        return new PromptChain(high);
    }

    /**
     * XPSR's low-level chain: a description given for every image, the prompt folder, a server asked with a quality
     * instruction (null ones are left out), then the built-in degradation analyser when {@code analyser} is set.
     */
    public static PromptChain lowlevel(String description, PromptStore folder, PromptSource server,
                                       boolean analyser) {
        List<PromptSource> low = new ArrayList<>();
        if (description != null) {
            low.add(new FixedPromptSource(description));
        }
        if (folder != null) {
            low.add(new FolderPromptSource(folder, PromptKind.LOW_LEVEL));
        }
        if (server != null) {
            low.add(server);
        }
        if (analyser) {
            low.add(new AnalyserPromptSource(new DegradationAnalyser()));
        }
        return new PromptChain(low);
    }

    @Override
    public Optional<Prompt> prompt(String name, RgbImage image) throws PromptException {
        for (PromptSource source : sources) {
            Optional<Prompt> prompt = source.prompt(name, image);
            if (prompt.isPresent()) {
                return prompt;
            }
        }
        return Optional.empty();
    }

    /** The first source's prompt, or {@link Prompt#NONE} (an empty prompt, as for an empty XPSR file). */
    public Prompt resolve(String name, RgbImage image) throws PromptException {
        return prompt(name, image).orElse(Prompt.NONE);
    }

    @Override
    public String describe() {
        return String.join(", then ", sources.stream().map(PromptSource::describe).toList());
    }
}
