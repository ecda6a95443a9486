package dev.xpsr.prompt;

import dev.xpsr.io.RgbImage;

import java.util.Optional;

/** Prompts asked from a model server with one instruction (by default XPSR's for the prompt kind). */
public final class ServerPromptSource implements PromptSource {
    private final CaptionClient client;
    private final String instruction;

    public ServerPromptSource(CaptionClient client, String instruction) {
        this.client = client;
        this.instruction = instruction;
    }

    /** A source asking {@code client} with XPSR's instruction for {@code kind}. */
    public static ServerPromptSource forKind(CaptionClient client, PromptKind kind) {
        return new ServerPromptSource(client, kind.instruction());
    }

    @Override
    public Optional<Prompt> prompt(String name, RgbImage image) throws CaptionException {
        return Optional.of(new Prompt(client.caption(image, instruction), PromptOrigin.SERVER, client.describe()));
    }

    @Override
    public String describe() {
        return "server " + client.describe();
    }
}
