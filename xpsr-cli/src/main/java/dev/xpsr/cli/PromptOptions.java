package dev.xpsr.cli;

import dev.xpsr.api.UpscaleRequest;
import dev.xpsr.pipeline.XpsrPrompts;
import dev.xpsr.prompt.CaptionClient;
import dev.xpsr.prompt.HttpCaptionClient;
import dev.xpsr.prompt.PromptChain;
import dev.xpsr.prompt.PromptSource;
import dev.xpsr.prompt.PromptStore;
import dev.xpsr.prompt.ServerConfig;
import dev.xpsr.prompt.ServerProtocol;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Path;

/**
 * Where XPSR's two prompts come from, tried in this order per image: high-level from {@code --prompt}, the prompt
 * folder, the caption server; low-level from {@code --lowlevel-prompt}, the prompt folder, the built-in analyser.
 * An image none of them covers gets an empty prompt.
 */
final class PromptOptions {
    @Option(names = "--prompt", description = "High-level caption for every image (default: from --prompt-dir, else empty).")
    String prompt;

    @Option(names = "--lowlevel-prompt", description = "Low-level quality description for every image (default: from --prompt-dir, else empty).")
    String lowlevelPrompt;

    @Option(names = "--prompt-dir", description = "Folder in XPSR's layout: highlevel_prompt/<name>.txt, lowlevel_prompt_q/<name>.txt.")
    Path promptDir;

    @Option(names = "--caption-server", paramLabel = "URL",
            description = "Model server (OpenAI-compatible or Ollama) asked for the high-level caption of images that "
                    + "--prompt and --prompt-dir leave without one.")
    URI captionServer;

    @Option(names = "--caption-protocol", defaultValue = "openai",
            description = "Protocol of --caption-server: openai or ollama (default: ${DEFAULT-VALUE}).")
    ServerProtocol captionProtocol;

    @Option(names = "--caption-model", paramLabel = "NAME",
            description = "Captioning model on --caption-server (XPSR: llava-1.5-7b).")
    String captionModel;

    @Option(names = "--caption-api-key-env", paramLabel = "VAR",
            description = "Environment variable holding the caption server's API key (never printed).")
    String captionApiKeyVariable;

    @Option(names = "--no-analyser",
            description = "Leave the low-level prompt empty when --lowlevel-prompt and --prompt-dir give none, instead "
                    + "of measuring it with the built-in degradation analyser.")
    boolean noAnalyser;

    @Option(names = "--added-prompt", defaultValue = XpsrPrompts.ADDED_PROMPT,
            description = "Appended to the caption (default: \"${DEFAULT-VALUE}\").")
    String addedPrompt;

    @Option(names = "--negative-prompt", defaultValue = XpsrPrompts.NEGATIVE_PROMPT,
            description = "Negative high-level prompt (default: \"${DEFAULT-VALUE}\").")
    String negativePrompt;

    /** The high-level sources, in order. */
    PromptSource highlevel() {
        CaptionClient server = null;
        if (captionServer != null) {
            if (captionModel == null) {
                throw new IllegalArgumentException("--caption-server needs --caption-model");
            }
            server = HttpCaptionClient.create(ServerConfig.of(captionProtocol, captionServer, captionModel)
                    .withApiKeyVariable(captionApiKeyVariable));
        }
        return PromptChain.highlevel(prompt, store(), server);
    }

    /** The low-level sources, in order. */
    PromptSource lowlevel() {
        return PromptChain.lowlevel(lowlevelPrompt, store(), !noAnalyser);
    }

    private PromptStore store() {
        return promptDir == null ? null : new PromptStore(promptDir);
    }

    /** The fixed texts around the two prompts. */
    UpscaleRequest.Builder apply(UpscaleRequest.Builder b) {
        return b.addedPrompt(addedPrompt).negativePrompt(negativePrompt);
    }
}
