package dev.xpsr.cli;

import dev.xpsr.degrade.TrainingSetLayout;
import dev.xpsr.net.RetryPolicy;
import dev.xpsr.prompt.AnalyserPromptSource;
import dev.xpsr.prompt.CaptionBatch;
import dev.xpsr.prompt.CaptionClient;
import dev.xpsr.prompt.DegradationAnalyser;
import dev.xpsr.prompt.HttpCaptionClient;
import dev.xpsr.prompt.Instruction;
import dev.xpsr.prompt.Prompt;
import dev.xpsr.prompt.PromptKind;
import dev.xpsr.prompt.PromptSource;
import dev.xpsr.prompt.PromptStore;
import dev.xpsr.prompt.ServerConfig;
import dev.xpsr.prompt.ServerPromptSource;
import dev.xpsr.prompt.ServerProtocol;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code xpsr caption DIR}: writes XPSR's prompt files for every image of a folder and its sub-folders — the
 * high-level caption from a model server (OpenAI-compatible or Ollama), the low-level description from the
 * built-in degradation analyser or a server — into {@code highlevel_prompt/} and {@code lowlevel_prompt_q/},
 * mirroring sub-folders. A training tree made by {@code xpsr degrade} ({@code HR/} + {@code LR/}, or
 * {@code dataset_<k>/}) is captioned whole, as XPSR's {@code *_prompt_train.py} do: its LR images into those two
 * folders, its HR images into {@code highlevel_prompt_GT/} and {@code lowlevel_prompt_q_GT/}, beside each set's
 * {@code HR/}. Prompts already there are kept (resume), failures are listed at the end and the exit code is 1
 * when there were any.
 */
@Command(name = "caption", mixinStandardHelpOptions = true,
        description = {"Write XPSR prompt files (highlevel_prompt/, lowlevel_prompt_q/) for the images of DIR and "
                + "its sub-folders; for a training tree from 'xpsr degrade' (HR/ + LR/ or dataset_<k>/) also the "
                + "_GT prompt folders from its HR images.",
                "High-level captions come from a model server (--server); low-level descriptions from the built-in "
                        + "degradation analyser, or from a server with --lowlevel-model.",
                "Existing prompt files are kept unless --overwrite; the exit code is 1 if any prompt failed."})
public final class CaptionCommand implements Callable<Integer> {
    /** Where low-level prompts come from. */
    enum LowLevelSource { analyser, server, none }

    @Parameters(index = "0", paramLabel = "DIR",
            description = "Folder of LR images (XPSR layout: <set>/LR), or a training tree (HR/ + LR/, dataset_<k>/).")
    Path folder;

    @Option(names = "--prompts", paramLabel = "ROOT",
            description = "Folder that holds highlevel_prompt/ and lowlevel_prompt_q/ (default: DIR's parent when "
                    + "DIR is named LR, as in XPSR datasets; else DIR; a training tree keeps them in each set).")
    Path promptRoot;

    @Option(names = "--server", paramLabel = "URL",
            description = "Model server base URL, e.g. http://127.0.0.1:8000 (vLLM, llama.cpp, LM Studio) or "
                    + "http://127.0.0.1:11434 (Ollama). Without it no high-level captions are written.")
    URI server;

    @Option(names = "--protocol", defaultValue = "openai",
            description = "Server protocol: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    ServerProtocol protocol;

    @Option(names = "--model", paramLabel = "NAME",
            description = "Model for high-level captions (XPSR: llava-1.5-7b). Required with --server.")
    String model;

    @Option(names = "--lowlevel-model", paramLabel = "NAME",
            description = "Model for low-level descriptions on the server (XPSR: a Q-Instruct model); implies "
                    + "--lowlevel server.")
    String lowlevelModel;

    @Option(names = "--lowlevel", paramLabel = "SOURCE",
            description = "Low-level source: ${COMPLETION-CANDIDATES} (default: server with --lowlevel-model, "
                    + "else analyser).")
    LowLevelSource lowlevel;

    @Option(names = "--api-key-env", paramLabel = "VAR",
            description = "Environment variable holding the server's API key (sent as a Bearer token, never "
                    + "printed).")
    String apiKeyVariable;

    @Option(names = "--highlevel-instruction", paramLabel = "TEXT", defaultValue = Instruction.HIGH_LEVEL,
            description = "High-level instruction (default: XPSR's \"${DEFAULT-VALUE}\").")
    String highlevelInstruction;

    @Option(names = "--lowlevel-instruction", paramLabel = "TEXT", defaultValue = Instruction.LOW_LEVEL,
            description = "Low-level instruction (default: XPSR's \"${DEFAULT-VALUE}\").")
    String lowlevelInstruction;

    @Option(names = "--connect-timeout", defaultValue = "10", paramLabel = "SECONDS",
            description = "Connection timeout (default: ${DEFAULT-VALUE} s).")
    double connectTimeout;

    @Option(names = "--timeout", defaultValue = "120", paramLabel = "SECONDS",
            description = "Timeout for one request, whole answer included (default: ${DEFAULT-VALUE} s).")
    double requestTimeout;

    @Option(names = "--attempts", defaultValue = "5",
            description = "Requests per prompt at most; 408, 429, 5xx, connection failures and timeouts are "
                    + "retried with exponential backoff, honouring Retry-After (default: ${DEFAULT-VALUE}).")
    int attempts;

    @Option(names = "--retry-budget", defaultValue = "300", paramLabel = "SECONDS",
            description = "Time limit for one prompt's retries (default: ${DEFAULT-VALUE} s).")
    double retryBudget;

    @Option(names = "--concurrency", defaultValue = "2",
            description = "Requests in flight at once per model (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--max-tokens", defaultValue = "300",
            description = "Generation limit sent to the server (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--max-chars", defaultValue = "2000",
            description = "Answers are cut to this many characters (default: ${DEFAULT-VALUE}).")
    int maxChars;

    @Option(names = "--temperature", defaultValue = "0",
            description = "Sampling temperature; 0 is greedy, as XPSR (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--overwrite", description = "Rewrite prompt files that already exist.")
    boolean overwrite;

    @Option(names = {"-v", "--verbose"}, description = "Print each image's prompt sources.")
    boolean verbose;

    @Option(names = "--no-progress", description = "No progress bar.")
    boolean noProgress;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final PrintStream out = System.out;

    /** One batch: the images of one folder, their prompt folders' root and the kinds written for them. */
    private record Part(Path images, PromptStore store, List<CaptionBatch.Target> targets,
                        List<CaptionBatch.Job> jobs) {
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        List<Part> parts = parts();
        int total = 0;
        for (Part part : parts) {
            out.printf("%d images in %s; prompts in %s%n", part.targets().size(), part.images(),
                    part.store().root().toAbsolutePath());
            part.jobs().forEach(j -> out.printf("  %s <- %s%n", j.kind().folder(), j.source().describe()));
            total += part.targets().size();
        }
        int threads = lowlevelSource() == LowLevelSource.analyser && server == null
                ? Runtime.getRuntime().availableProcessors() : Math.max(1, concurrency);
        CaptionBatch.Report report = new CaptionBatch.Report(0, 0, 0, List.of());
        try (ProgressBar bar = progressBar(total)) {
            for (Part part : parts) {
                CaptionBatch batch = new CaptionBatch(part.store(), part.jobs(), overwrite, threads);
                report = report.plus(batch.run(part.targets(), result -> {
                    bar.step();
                    if (verbose) {
                        report(result);
                    }
                }));
            }
        }
        out.println(report.summary());
        report.failures().forEach(f -> out.println("  failed: " + f));
        return report.failures().isEmpty() ? 0 : 1;
    }

    /**
     * A training tree's sets each give two parts, LR images into the LR prompt folders and HR images into the
     * {@code _GT} ones; any other folder gives one part of LR prompts.
     */
    private List<Part> parts() throws IOException {
        Sources sources = sources();
        if (!Files.isDirectory(folder)) {
            throw new IOException(folder + " is not a folder");
        }
        List<Part> parts = new ArrayList<>();
        for (Path set : TrainingSetLayout.sets(folder)) {
            PromptStore store = new PromptStore(set);
            parts.add(part(set.resolve("LR"), store, sources.jobs(PromptKind.HIGH_LEVEL, PromptKind.LOW_LEVEL)));
            parts.add(part(set.resolve("HR"), store,
                    sources.jobs(PromptKind.HIGH_LEVEL_GT, PromptKind.LOW_LEVEL_GT)));
        }
        if (parts.isEmpty()) {
            PromptStore store = new PromptStore(promptRoot != null ? promptRoot : defaultRoot(folder));
            parts.add(part(folder, store, sources.jobs(PromptKind.HIGH_LEVEL, PromptKind.LOW_LEVEL)));
        }
        return parts;
    }

    private static Part part(Path images, PromptStore store, List<CaptionBatch.Job> jobs) throws IOException {
        return new Part(images, store, CaptionBatch.imagesUnder(images), jobs);
    }

    /** XPSR keeps prompt folders beside {@code LR/}; any other folder holds its own. */
    static Path defaultRoot(Path folder) {
        Path abs = folder.toAbsolutePath().normalize();
        Path name = abs.getFileName();
        return name != null && name.toString().equals("LR") && abs.getParent() != null ? abs.getParent() : abs;
    }

    /** Where each prompt kind's text comes from; a null source writes no prompts of its kind. */
    private record Sources(PromptSource high, PromptSource low) {
        /** The jobs writing the {@code highKind} and {@code lowKind} prompts. */
        List<CaptionBatch.Job> jobs(PromptKind highKind, PromptKind lowKind) {
            List<CaptionBatch.Job> jobs = new ArrayList<>();
            if (high != null) {
                jobs.add(new CaptionBatch.Job(highKind, high));
            }
            if (low != null) {
                jobs.add(new CaptionBatch.Job(lowKind, low));
            }
            return jobs;
        }
    }

    /** The sources the options ask for, each server client made once for every folder. */
    private Sources sources() {
        PromptSource high = null;
        if (server != null) {
            if (model == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--server needs --model");
            }
            high = new ServerPromptSource(client(model), highlevelInstruction);
        }
        PromptSource low = switch (lowlevelSource()) {
            case analyser -> new AnalyserPromptSource(new DegradationAnalyser());
            case server -> {
                if (server == null) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--lowlevel server needs --server");
                }
                yield new ServerPromptSource(client(lowlevelModel != null ? lowlevelModel : model),
                        lowlevelInstruction);
            }
            case none -> null;
        };
        if (high == null && low == null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "nothing to write: give --server for high-level captions or a --lowlevel source");
        }
        return new Sources(high, low);
    }

    private LowLevelSource lowlevelSource() {
        if (lowlevel != null) {
            return lowlevel;
        }
        return lowlevelModel != null ? LowLevelSource.server : LowLevelSource.analyser;
    }

    private CaptionClient client(String modelName) {
        try {
            ServerConfig config = ServerConfig.of(protocol, server, modelName).withApiKeyVariable(apiKeyVariable)
                    .withTimeouts(seconds(connectTimeout), seconds(requestTimeout))
                    .withRetry(RetryPolicy.DEFAULT.withMaxAttempts(attempts).withBudget(seconds(retryBudget)))
                    .withMaxConcurrency(concurrency).withLimits(maxTokens, maxChars, 4 << 20)
                    .withTemperature(temperature);
            return HttpCaptionClient.create(config);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    private static Duration seconds(double s) {
        return Duration.ofNanos(Math.round(s * 1e9));
    }

    private ProgressBar progressBar(int images) {
        ProgressBarBuilder builder = new ProgressBarBuilder().setTaskName("caption").setInitialMax(images)
                .setUnit(" images", 1).setUpdateIntervalMillis(250);
        if (noProgress) {
            // a consumer into nowhere: the batch code stays the same with or without a bar
            builder.setConsumer(new ConsoleProgressBarConsumer(new PrintStream(PrintStream.nullOutputStream())));
        } else {
            builder.setConsumer(new ConsoleProgressBarConsumer(System.err));
        }
        return builder.build();
    }

    private synchronized void report(CaptionBatch.ImageResult result) {
        StringBuilder line = new StringBuilder(result.image().getFileName().toString()).append(':');
        for (Prompt p : result.written()) {
            line.append(' ').append(p.source()).append(';');
        }
        if (result.skipped() > 0) {
            line.append(' ').append(result.skipped()).append(" already there;");
        }
        result.failures().forEach(f -> line.append(" failed [").append(f.kind().folder()).append("];"));
        out.println(line);
    }
}
