package dev.xpsr.cli;

import dev.xpsr.hub.HubClient;
import dev.xpsr.hub.HubSettings;
import dev.xpsr.hub.ModelLocator;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.pipeline.BatchUpscaler;
import dev.xpsr.pipeline.ColorFixMode;
import dev.xpsr.pipeline.Prompts;
import dev.xpsr.pipeline.UpscaleOptions;
import dev.xpsr.pipeline.XpsrModels;
import dev.xpsr.pipeline.XpsrPipeline;
import dev.xpsr.pipeline.XpsrPrompts;
import dev.xpsr.prompt.AnalyserPromptSource;
import dev.xpsr.prompt.DegradationAnalyser;
import dev.xpsr.prompt.FixedPromptSource;
import dev.xpsr.prompt.FolderPromptSource;
import dev.xpsr.prompt.HttpCaptionClient;
import dev.xpsr.prompt.Prompt;
import dev.xpsr.prompt.PromptChain;
import dev.xpsr.prompt.PromptException;
import dev.xpsr.prompt.PromptKind;
import dev.xpsr.prompt.PromptSource;
import dev.xpsr.prompt.PromptStore;
import dev.xpsr.prompt.ServerConfig;
import dev.xpsr.prompt.ServerPromptSource;
import dev.xpsr.prompt.ServerProtocol;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Placement;
import dev.xpsr.util.ProcessMemory;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code xpsr upscale}: ×4 restoration of image files with XPSR. */
@Command(name = "upscale", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Restore degraded photos x4 with XPSR (Stable Diffusion 1.5 + XPSR ControlNet).",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every image was written (or skipped as existing)", "1:at least one image failed",
                "2:invalid options or models that cannot be loaded"})
public final class UpscaleCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "INPUT", description = "Image files or folders.")
    List<Path> inputs;

    @Option(names = {"-o", "--output"}, required = true, description = "Output folder (created if missing).")
    Path output;

    @Option(names = "--model", defaultValue = "stable-diffusion-v1-5/stable-diffusion-v1-5",
            description = "Stable Diffusion 1.5: a diffusers folder (text_encoder/, tokenizer/, vae/, scheduler/) or a "
                    + "Hugging Face repo id, downloaded once into the standard cache (HF_HOME, HF_HUB_CACHE, HF_TOKEN, "
                    + "HF_HUB_OFFLINE honoured) (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--xpsr", required = true, description = "Folder holding XPSR's controlnet/ and unet/.")
    Path xpsr;

    @Option(names = "--variant", description = "Weight file variant to read, e.g. fp16 (default: the full files).")
    String variant;

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

    @Option(names = "--steps", defaultValue = "20", description = "Denoising steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--guidance", defaultValue = "4.5",
            description = "Classifier-free guidance scale; the paper states 5.5 (default: ${DEFAULT-VALUE}, XPSR's code).")
    double guidance;

    @Option(names = "--conditioning-scale", defaultValue = "1.0", description = "ControlNet strength (default: ${DEFAULT-VALUE}).")
    double conditioningScale;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of every random draw (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--added-noise", defaultValue = "800",
            description = "Timestep at which the LR latent is re-noised (default: ${DEFAULT-VALUE}).")
    int addedNoise;

    @Option(names = "--start-from-noise", description = "Start from pure noise instead of the noised LR latent.")
    boolean startFromNoise;

    @Option(names = "--sampler", defaultValue = "ddpm", description = "ddpm, ddim or unipc (default: ${DEFAULT-VALUE}).")
    String sampler;

    @Option(names = "--color-fix", defaultValue = "adain", description = "adain, wavelet or none (default: ${DEFAULT-VALUE}).")
    String colorFix;

    @Option(names = "--process-size", defaultValue = "512",
            description = "Shorter side raised to this before diffusion (default: ${DEFAULT-VALUE}).")
    int processSize;

    @Option(names = "--tile", defaultValue = "320",
            description = "Latent tile side; tiling is used above its area (default: ${DEFAULT-VALUE}).")
    int tile;

    @Option(names = "--tile-overlap", defaultValue = "8", description = "Latent tile overlap (default: ${DEFAULT-VALUE}).")
    int tileOverlap;

    @Mixin
    VaeTilingOptions vaeTiling;

    @Option(names = "--residency", defaultValue = "auto",
            description = "resident: load all networks once and keep them; sequential: load each stage's networks "
                    + "(text encoder, VAE, ControlNet + UNet) when it runs and free them after, for the lowest peak "
                    + "memory; auto: sequential on the CPU, resident on CUDA (default: ${DEFAULT-VALUE}).")
    String residency;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda or cuda:N (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--dtype", defaultValue = "fp32", description = "fp32, fp16 or bf16 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--threads", description = "ATen intra-op threads (default: all available cores).")
    Integer threads;

    @Option(names = {"-r", "--recursive"}, description = "Descend into sub-folders of folder inputs.")
    boolean recursive;

    @Option(names = "--skip-existing", description = "Skip images whose output file exists.")
    boolean skipExisting;

    @Option(names = "--max-pixels", defaultValue = "64000000",
            description = "Refuse inputs with more pixels, before decoding (default: ${DEFAULT-VALUE}).")
    long maxPixels;

    private final PrintStream out = System.out;
    private final PrintStream err = System.err;
    private PromptChain highlevelSources;
    private PromptChain lowlevelSources;

    @Override
    public Integer call() throws IOException {
        NativeStartup.ensureStarted(threads == null ? Runtime.getRuntime().availableProcessors() : threads);
        UpscaleOptions options = options();
        promptSources();
        Placement placement = Placement.parse(device, dtype);
        List<Path> files = BatchUpscaler.collectInputs(inputs, recursive);
        if (files.isEmpty()) {
            err.println("xpsr upscale: no images found in " + inputs);
            return 2;
        }
        Files.createDirectories(output);
        long t0 = System.nanoTime();
        Path sd15;
        try (DownloadProgress progress = new DownloadProgress(err)) {
            HubClient hub = HubClient.builder(HubSettings.fromSystem()).listener(progress).build();
            sd15 = ModelLocator.sd15(hub, variant).resolve(model);
        }
        XpsrModels.Residency kept = residency(placement);
        XpsrModels models = XpsrModels.load(sd15, xpsr, variant, kept).to(placement);
        out.printf("%s models in %.1f s (%s, %s, %s)%n", kept == XpsrModels.Residency.RESIDENT ? "loaded" : "found",
                (System.nanoTime() - t0) / 1e9, placement.device(), placement.precision(),
                kept.name().toLowerCase(Locale.ROOT));
        BatchUpscaler batch = new BatchUpscaler(new XpsrPipeline(models), options, this::prompts,
                ImageFiles.ReadOptions.DEFAULTS.withMaxPixels(maxPixels));
        List<BatchUpscaler.Outcome> outcomes;
        try (ProgressListener progress = new ProgressListener(options.steps())) {
            outcomes = batch.run(files, roots(files), output, skipExisting, progress);
        }
        return summarize(outcomes);
    }

    private UpscaleOptions options() {
        return new UpscaleOptions(steps, guidance, conditioningScale, addedNoise, startFromNoise, sampler,
                ColorFixMode.parse(colorFix), 4, processSize, tile, tileOverlap, seed, vaeTiling.toOptions());
    }

    /** auto: sequential on the CPU, where memory is what limits; resident on a GPU, where reloading would dominate. */
    private XpsrModels.Residency residency(Placement placement) {
        return switch (residency.toLowerCase(Locale.ROOT)) {
            case "auto" -> placement.isCuda() ? XpsrModels.Residency.RESIDENT : XpsrModels.Residency.SEQUENTIAL;
            case "resident" -> XpsrModels.Residency.RESIDENT;
            case "sequential" -> XpsrModels.Residency.SEQUENTIAL;
            default -> throw new IllegalArgumentException("--residency must be auto, resident or sequential, got "
                    + residency);
        };
    }

    /**
     * The prompt sources, tried in order per image: high-level from --prompt, the prompt folder, the caption server;
     * low-level from --lowlevel-prompt, the prompt folder, the built-in analyser. An image none of them covers gets
     * an empty prompt.
     */
    private void promptSources() {
        PromptStore store = promptDir == null ? null : new PromptStore(promptDir);
        List<PromptSource> high = new ArrayList<>();
        List<PromptSource> low = new ArrayList<>();
        if (prompt != null) {
            high.add(new FixedPromptSource(prompt));
        }
        if (lowlevelPrompt != null) {
            low.add(new FixedPromptSource(lowlevelPrompt));
        }
        if (store != null) {
            high.add(new FolderPromptSource(store, PromptKind.HIGH_LEVEL));
            low.add(new FolderPromptSource(store, PromptKind.LOW_LEVEL));
        }
        if (captionServer != null) {
            if (captionModel == null) {
                throw new IllegalArgumentException("--caption-server needs --caption-model");
            }
            ServerConfig config = ServerConfig.of(captionProtocol, captionServer, captionModel)
                    .withApiKeyVariable(captionApiKeyVariable);
            high.add(ServerPromptSource.forKind(HttpCaptionClient.create(config), PromptKind.HIGH_LEVEL));
        }
        if (!noAnalyser) {
            low.add(new AnalyserPromptSource(new DegradationAnalyser()));
        }
        highlevelSources = new PromptChain(high);
        lowlevelSources = new PromptChain(low);
    }

    private BatchUpscaler.ResolvedPrompts prompts(Path image, dev.xpsr.io.RgbImage lr) throws IOException {
        String name = PromptStore.nameOf(image);
        Prompt high;
        Prompt low;
        try {
            high = highlevelSources.resolve(name, lr);
            low = lowlevelSources.resolve(name, lr);
        } catch (PromptException e) {
            throw new IOException(e.getMessage(), e);
        }
        Prompts p = new Prompts(XpsrPrompts.positive(high.text(), addedPrompt), negativePrompt, low.text(),
                XpsrPrompts.LOWLEVEL_NEGATIVE_PROMPT);
        return new BatchUpscaler.ResolvedPrompts(p, "high-level " + high.source() + ", low-level " + low.source());
    }

    /** Each file found inside a folder input keeps its path relative to that folder. */
    private Map<Path, Path> roots(List<Path> files) {
        Map<Path, Path> roots = new HashMap<>();
        for (Path f : files) {
            for (Path in : inputs) {
                if (Files.isDirectory(in) && f.startsWith(in)) {
                    roots.put(f, in);
                }
            }
        }
        return roots;
    }

    private int summarize(List<BatchUpscaler.Outcome> outcomes) {
        long written = outcomes.stream().filter(o -> o.status() == BatchUpscaler.Status.WRITTEN).count();
        long skipped = outcomes.stream().filter(o -> o.status() == BatchUpscaler.Status.SKIPPED).count();
        List<BatchUpscaler.Outcome> failed = outcomes.stream()
                .filter(o -> o.status() == BatchUpscaler.Status.FAILED).toList();
        double seconds = outcomes.stream().filter(o -> o.status() == BatchUpscaler.Status.WRITTEN)
                .mapToDouble(BatchUpscaler.Outcome::seconds).sum();
        out.printf("%d written, %d skipped, %d failed; %s per image; peak memory %s%n", written, skipped,
                failed.size(), written == 0 ? "n/a" : String.format("%.1f s", seconds / written),
                ProcessMemory.format(ProcessMemory.peakRssBytes()));
        for (BatchUpscaler.Outcome o : failed) {
            err.println("failed: " + o.message());
        }
        return failed.isEmpty() ? 0 : 1;
    }

    /** A progress bar over the denoising steps of each image, with the per-step and per-image ETA. */
    private final class ProgressListener implements BatchUpscaler.Listener, AutoCloseable {
        private final int steps;
        private ProgressBar bar;

        ProgressListener(int steps) {
            this.steps = steps;
        }

        @Override
        public void imageStarted(Path input, int index, int total, BatchUpscaler.ResolvedPrompts prompts) {
            out.printf("[%d/%d] %s (prompts: %s)%n", index + 1, total, input, prompts.source());
            bar = new ProgressBarBuilder().setTaskName("denoise").setInitialMax(steps)
                    .setStyle(ProgressBarStyle.ASCII).setUnit(" steps", 1).showSpeed().build();
        }

        @Override
        public void step(int index, int total) {
            if (bar != null) {
                bar.stepTo(index + 1);
            }
        }

        @Override
        public void imageFinished(BatchUpscaler.Outcome outcome) {
            close();
            switch (outcome.status()) {
                case WRITTEN -> out.printf("  -> %s (%.1f s)%n", outcome.output(), outcome.seconds());
                case SKIPPED -> out.printf("  skipped %s: %s%n", outcome.input(), outcome.message());
                case FAILED -> err.printf("  failed: %s%n", outcome.message());
            }
        }

        @Override
        public void close() {
            if (bar != null) {
                bar.close();
                bar = null;
            }
        }
    }
}
