package dev.xpsr.spark;

import dev.xpsr.api.UpscaleRequest;
import dev.xpsr.pipeline.XpsrPrompts;
import dev.xpsr.prompt.HttpCaptionClient;
import dev.xpsr.prompt.PromptChain;
import dev.xpsr.prompt.PromptSource;
import dev.xpsr.prompt.ServerConfig;
import dev.xpsr.prompt.ServerProtocol;

import java.io.Serial;
import java.io.Serializable;
import java.net.URI;

/**
 * Where an upscale job's XPSR prompts come from when the manifest gives an image none, tried in this order:
 * high-level from the fixed {@code prompt}, then the caption server (each executor asks it); low-level from the
 * fixed {@code lowlevelPrompt}, then the built-in degradation analyser unless turned off. An image none of them
 * covers gets an empty prompt. The baselines ignore prompts.
 *
 * @param prompt               caption for every image, or null
 * @param lowlevelPrompt       low-level description for every image, or null
 * @param captionServer        OpenAI-compatible or Ollama server asked for captions, or null
 * @param captionProtocol      its protocol
 * @param captionModel         its captioning model (needed with a server)
 * @param captionApiKeyVariable environment variable (on the executors) holding its API key, or null
 * @param analyser             measure the low-level prompt with the built-in analyser as the last resort
 * @param addedPrompt          appended to the caption
 * @param negativePrompt       negative high-level prompt
 */
public record PromptSettings(String prompt, String lowlevelPrompt, URI captionServer,
                             ServerProtocol captionProtocol, String captionModel, String captionApiKeyVariable,
                             boolean analyser, String addedPrompt, String negativePrompt) implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    /** XPSR's defaults: no fixed prompts, no server, the analyser, XPSR's added and negative prompts. */
    public static final PromptSettings DEFAULTS = new PromptSettings(null, null, null, ServerProtocol.OPENAI, null,
            null, true, XpsrPrompts.ADDED_PROMPT, XpsrPrompts.NEGATIVE_PROMPT);

    public PromptSettings {
        if (captionServer != null && captionModel == null) {
            throw new IllegalArgumentException("a caption server (" + captionServer + ") needs a caption model");
        }
    }

    /** The high-level sources, in order. */
    PromptSource highlevel() {
        return PromptChain.highlevel(prompt, null, captionServer == null ? null
                : HttpCaptionClient.create(ServerConfig.of(captionProtocol, captionServer, captionModel)
                        .withApiKeyVariable(captionApiKeyVariable)));
    }

    /** The low-level sources, in order. */
    PromptSource lowlevel() {
        return PromptChain.lowlevel(lowlevelPrompt, null, null, analyser);
    }

    /** The fixed texts around the two prompts. */
    UpscaleRequest.Builder apply(UpscaleRequest.Builder b) {
        return b.addedPrompt(addedPrompt).negativePrompt(negativePrompt);
    }
}
