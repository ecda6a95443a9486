package dev.xpsr.cli;

import dev.xpsr.api.UpscaleRequest;
import dev.xpsr.pipeline.XpsrPrompts;
import dev.xpsr.prompt.CaptionClient;
import dev.xpsr.prompt.HttpCaptionClient;
import dev.xpsr.prompt.Instruction;
import dev.xpsr.prompt.PromptChain;
import dev.xpsr.prompt.PromptSource;
import dev.xpsr.prompt.PromptStore;
import dev.xpsr.prompt.ServerConfig;
import dev.xpsr.prompt.ServerPromptSource;
import dev.xpsr.prompt.ServerProtocol;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Path;

/**
 * Where XPSR's two prompts come from, tried in this order per image: high-level from {@code --prompt}, the prompt
 * folder, the caption server; low-level from {@code --lowlevel-prompt}, the prompt folder, the caption server
 * (with {@code --lowlevel-model}, a Q-Instruct-style model asked XPSR's quality instruction), the built-in
 * analyser. An image none of them covers gets an empty prompt.
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

    @Option(names = "--lowlevel-model", paramLabel = "NAME",
            description = "Model on --caption-server asked for the low-level description of images that "
                    + "--lowlevel-prompt and --prompt-dir leave without one (XPSR: a Q-Instruct model), before the "
                    + "analyser.")
    String lowlevelModel;

    @Option(names = "--lowlevel-instruction", paramLabel = "TEXT", defaultValue = Instruction.LOW_LEVEL,
            description = "Instruction for --lowlevel-model (default: XPSR's \"${DEFAULT-VALUE}\").")
    String lowlevelInstruction;

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

    @Option(names = "--lowlevel-negative-prompt", defaultValue = XpsrPrompts.LOWLEVEL_NEGATIVE_PROMPT,
            description = "Negative low-level prompt (default: \"${DEFAULT-VALUE}\", hard-coded in XPSR's pipeline).")
    String lowlevelNegativePrompt;

    @Option(names = "--no-negative-prompts",
            description = "Empty unconditional texts for both prompts, as diffusers without a negative prompt.")
    boolean noNegativePrompts;

    @Option(names = "--no-highlevel",
            description = "An empty caption (the added prompt stays): the paper's ablation without the high-level "
                    + "prompt. No caption source is asked.")
    boolean noHighlevel;

    @Option(names = "--no-lowlevel",
            description = "No low-level context for the networks (the official models' path without one: the "
                    + "ControlNet skips its fusion branch): the paper's ablation without the low-level prompt.")
    boolean noLowlevel;

    /** The high-level sources, in order. */
    PromptSource highlevel() {
        CaptionClient server = null;
        if (captionServer != null) {
            if (captionModel == null) {
                throw new IllegalArgumentException("--caption-server needs --caption-model");
            }
            server = client(captionModel);
        }
        return PromptChain.highlevel(prompt, store(), server);
    }

    /** The low-level sources, in order. */
    PromptSource lowlevel() {
        PromptSource server = null;
        if (lowlevelModel != null) {
            if (captionServer == null) {
                throw new IllegalArgumentException("--lowlevel-model needs --caption-server");
            }
            server = new ServerPromptSource(client(lowlevelModel), lowlevelInstruction);
        }
        return PromptChain.lowlevel(lowlevelPrompt, store(), server, !noAnalyser);
    }

    private PromptStore store() {
        return promptDir == null ? null : new PromptStore(promptDir);
    }

    /** A client of the caption server for {@code model}. */
    private CaptionClient client(String model) {
        return HttpCaptionClient.create(ServerConfig.of(captionProtocol, captionServer, model)
                .withApiKeyVariable(captionApiKeyVariable));
    }

    /** The fixed texts around the two prompts and the prompt switches. */
    UpscaleRequest.Builder apply(UpscaleRequest.Builder b) {
        return b.addedPrompt(addedPrompt).negativePrompt(negativePrompt).lowlevelNegativePrompt(lowlevelNegativePrompt)
                .useNegativePrompts(!noNegativePrompts).useHighlevelPrompt(!noHighlevel)
                .useLowlevelPrompt(!noLowlevel);
    }
}
