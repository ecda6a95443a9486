package dev.xpsr.spark.cli;

import dev.xpsr.api.Method;
import dev.xpsr.pipeline.ColorFixMode;
import dev.xpsr.pipeline.TiledVae;
import dev.xpsr.pipeline.UpscaleOptions;
import dev.xpsr.pipeline.XpsrModels;
import dev.xpsr.pipeline.XpsrPrompts;
import dev.xpsr.prompt.ServerProtocol;
import dev.xpsr.scheduler.Sampler;
import dev.xpsr.spark.PromptSettings;
import dev.xpsr.spark.SparkUpscale;
import dev.xpsr.spark.UpscaleSettings;
import dev.xpsr.util.ByteSize;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code xpsr-spark upscale}: {@link SparkUpscale} from the command line. */
@Command(name = "upscale", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Restore every image of a folder, glob or manifest x4 on the cluster (XPSR or a baseline).",
                "Outputs: <output>/<relative path>.png, written atomically; one row per image in a Parquet table. "
                        + "Images whose output exists are skipped."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every image was written or skipped", "1:at least one image failed (see the table)",
                "2:invalid options, or a method whose files are missing"})
final class UpscaleCommand implements Callable<Integer> {
    private static final int LISTED = 20;
    private static final UpscaleOptions DEFAULTS = UpscaleOptions.DEFAULTS;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "INPUT",
            description = "Folder (searched recursively) or glob of images on any Hadoop file system, e.g. "
                    + "s3a://bucket/photos/ or hdfs:///set/*.png.")
    String input;

    @Option(names = "--manifest", paramLabel = "FILE",
            description = "Parquet or CSV (with a header) manifest instead of INPUT: a path column, optional prompt, "
                    + "lowlevel_prompt and seed columns.")
    String manifest;

    @Option(names = "--root", paramLabel = "DIR",
            description = "Folder the manifest's paths are relative to (default: the manifest's folder).")
    String root;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "Output folder.")
    String output;

    @Option(names = "--table", paramLabel = "DIR",
            description = "Results table (default: <output>/" + UpscaleSettings.DEFAULT_TABLE + ").")
    String table;

    @Option(names = "--method", defaultValue = "xpsr",
            description = "xpsr, realesrgan-x4plus, rdn-slim, rdn-medium, bicubic-pil or bicubic-matlab "
                    + "(default: ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--models", paramLabel = "DIR",
            description = "Folder of the baseline networks, the same path on every executor.")
    String baselineModels;

    @Option(names = "--xpsr", paramLabel = "DIR", description = "XPSR's checkpoint (controlnet/, unet/) or a repo id.")
    String xpsr;

    @Option(names = "--model", paramLabel = "MODEL", description = "The base model the XPSR checkpoint was trained "
            + "on, Stable Diffusion 1.5 or 2.x: a diffusers folder or a repo id (default: ${DEFAULT-VALUE}).")
    String model = dev.xpsr.api.Upscaler.Builder.DEFAULT_BASE_MODEL;

    @Option(names = "--variant", description = "Weight file variant, e.g. fp16.")
    String variant;

    @Option(names = "--residency", defaultValue = "auto",
            description = "auto, resident or sequential (default: ${DEFAULT-VALUE}; see xpsr upscale --help).")
    String residency;

    @Option(names = "--memory-budget", paramLabel = "SIZE", description = "Most memory the models and one "
            + "restoration may take on an executor, e.g. 12G.")
    String memoryBudget;

    @Option(names = "--device", defaultValue = "cpu",
            description = "cpu, cuda (the GPU Spark assigns to each task) or cuda:N (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--dtype", defaultValue = "fp32", description = "fp32, fp16 or bf16 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--prompt", description = "High-level caption for every image the manifest gives none.")
    String prompt;

    @Option(names = "--lowlevel-prompt", description = "Low-level description for every image the manifest gives "
            + "none.")
    String lowlevelPrompt;

    @Option(names = "--caption-server", paramLabel = "URL", description = "Model server asked for missing captions.")
    URI captionServer;

    @Option(names = "--caption-protocol", defaultValue = "openai",
            description = "openai or ollama (default: ${DEFAULT-VALUE}).")
    ServerProtocol captionProtocol;

    @Option(names = "--caption-model", paramLabel = "NAME", description = "Captioning model on --caption-server.")
    String captionModel;

    @Option(names = "--caption-api-key-env", paramLabel = "VAR",
            description = "Environment variable of the executors holding the server's API key.")
    String captionApiKeyVariable;

    @Option(names = "--no-analyser", description = "No built-in degradation analyser for missing low-level prompts.")
    boolean noAnalyser;

    @Option(names = "--added-prompt", description = "Appended to the caption (default: \"${DEFAULT-VALUE}\").")
    String addedPrompt = XpsrPrompts.ADDED_PROMPT;

    @Option(names = "--negative-prompt", description = "Negative prompt (default: \"${DEFAULT-VALUE}\").")
    String negativePrompt = XpsrPrompts.NEGATIVE_PROMPT;

    @Option(names = "--seed", description = "Base seed; each image's seed mixes it with its relative path "
            + "(default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--steps", description = "Denoising steps (default: ${DEFAULT-VALUE}).")
    int steps = DEFAULTS.steps();

    @Option(names = "--guidance", description = "Guidance scale (default: ${DEFAULT-VALUE}).")
    double guidance = DEFAULTS.guidance();

    @Option(names = "--conditioning-scale", description = "ControlNet strength (default: ${DEFAULT-VALUE}).")
    double conditioningScale = DEFAULTS.conditioningScale();

    @Option(names = "--added-noise", description = "Re-noising timestep (default: ${DEFAULT-VALUE}).")
    int addedNoise = DEFAULTS.addedNoiseLevel();

    @Option(names = "--start-from-noise", description = "Start from pure noise instead of the noised LR latent.")
    boolean startFromNoise;

    @Option(names = "--sampler", description = "ddpm, ddim, unipc or dpmpp-2m (default: ${DEFAULT-VALUE}).")
    String sampler = DEFAULTS.sampler().id();

    @Option(names = "--color-fix", description = "adain, wavelet or none (default: ${DEFAULT-VALUE}).")
    String colorFix = DEFAULTS.colorFix().name().toLowerCase(Locale.ROOT);

    @Option(names = "--process-size", description = "Shorter side before diffusion (default: ${DEFAULT-VALUE}).")
    int processSize = DEFAULTS.processSize();

    @Option(names = "--tile", description = "Latent tile side (default: ${DEFAULT-VALUE}).")
    int tile = DEFAULTS.latentTileSize();

    @Option(names = "--tile-overlap", description = "Latent tile overlap (default: ${DEFAULT-VALUE}).")
    int tileOverlap = DEFAULTS.latentTileOverlap();

    @Option(names = "--vae-memory", paramLabel = "SIZE",
            description = "Bound the VAE's working memory (e.g. 1G): tiles chosen for it, run one at a time.")
    String vaeMemory;

    @Option(names = "--threads", description = "ATen threads per restoration (default: spark.task.cpus).")
    int threads;

    @Option(names = "--partitions", description = "Partitions of the images (default: 4 per task slot).")
    int partitions;

    @Option(names = "--max-pixels", description = "Refuse larger inputs, before decoding (default: ${DEFAULT-VALUE}).")
    long maxPixels = dev.xpsr.io.ImageFiles.DEFAULT_MAX_PIXELS;

    @Override
    public Integer call() throws IOException {
        UpscaleSettings settings = settings();
        PrintWriter out = spec.commandLine().getOut();
        SparkUpscale.Summary s = SparkUpscale.run(XpsrSpark.session("upscale"), settings);
        out.printf("%s: %d written, %d skipped, %d failed; results in %s%n", s.runId(), s.written(), s.skipped(),
                s.failed(), s.table());
        s.failures(LISTED).forEach((input, error) -> out.printf("  failed: %s: %s%n", input, error));
        if (s.failed() > LISTED) {
            out.printf("  ... and %d more%n", s.failed() - LISTED);
        }
        out.flush();
        return s.failed() == 0 ? 0 : 1;
    }

    private UpscaleSettings settings() {
        try {
            UpscaleSettings.Builder b = UpscaleSettings.builder(Method.parse(method)).input(input).manifest(manifest)
                    .root(root).output(output).table(table).seed(seed).partitions(partitions).threads(threads)
                    .maxPixels(maxPixels).xpsrWeights(xpsr).baseModel(model).variant(variant).device(device)
                    .dtype(dtype).residency(XpsrModels.Residency.parseOption(residency).orElse(null))
                    .baselineModels(baselineModels)
                    .prompts(new PromptSettings(prompt, lowlevelPrompt, captionServer, captionProtocol, captionModel,
                            captionApiKeyVariable, !noAnalyser, addedPrompt, negativePrompt))
                    .options(UpscaleOptions.builder().steps(steps).guidance(guidance)
                            .conditioningScale(conditioningScale).addedNoiseLevel(addedNoise)
                            .startFromNoise(startFromNoise).sampler(Sampler.parse(sampler))
                            .colorFix(ColorFixMode.parse(colorFix)).processSize(processSize)
                            .latentTiles(tile, tileOverlap).vaeTiles(vaeMemory == null ? TiledVae.Options.XPSR
                                    : TiledVae.Options.forBudget(ByteSize.parse(vaeMemory)).withFastMode(true))
                            .build());
            if (memoryBudget != null) {
                b.memoryBudget(ByteSize.parse(memoryBudget));
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
