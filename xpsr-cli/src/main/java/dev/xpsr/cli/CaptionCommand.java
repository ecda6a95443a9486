package dev.xpsr.cli;

import dev.xpsr.net.RetryPolicy;
import dev.xpsr.prompt.AnalyserPromptSource;
import dev.xpsr.prompt.CaptionBatch;
import dev.xpsr.prompt.CaptionClient;
import dev.xpsr.prompt.DegradationAnalyser;
import dev.xpsr.prompt.HttpCaptionClient;
import dev.xpsr.prompt.Instruction;
import dev.xpsr.prompt.Prompt;
import dev.xpsr.prompt.PromptKind;
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
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code xpsr caption DIR}: writes XPSR's prompt files for every image of a folder — the high-level caption from a
 * model server (OpenAI-compatible or Ollama), the low-level description from the built-in degradation analyser
 * or a server — into {@code highlevel_prompt/} and {@code lowlevel_prompt_q/}. Prompts already there are kept
 * (resume), failures are listed at the end and the exit code is 1 when there were any.
 */
@Command(name = "caption", mixinStandardHelpOptions = true,
        description = {"Write XPSR prompt files (highlevel_prompt/, lowlevel_prompt_q/) for the images of DIR.",
                "High-level captions come from a model server (--server); low-level descriptions from the built-in "
                        + "degradation analyser, or from a server with --lowlevel-model.",
                "Existing prompt files are kept unless --overwrite; the exit code is 1 if any prompt failed."})
public final class CaptionCommand implements Callable<Integer> {
    /** Where low-level prompts come from. */
    enum LowLevelSource { analyser, server, none }

    @Parameters(index = "0", paramLabel = "DIR", description = "Folder of LR images (XPSR layout: <set>/LR).")
    Path folder;

    @Option(names = "--prompts", paramLabel = "ROOT",
            description = "Folder that holds highlevel_prompt/ and lowlevel_prompt_q/ (default: DIR's parent when "
                    + "DIR is named LR, as in XPSR datasets; else DIR).")
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

    @Override
    public Integer call() throws IOException, InterruptedException {
        List<CaptionBatch.Job> jobs = jobs();
        Path root = promptRoot != null ? promptRoot : defaultRoot(folder);
        List<Path> images = CaptionBatch.imagesIn(folder);
        out.printf("%d images in %s; prompts in %s%n", images.size(), folder, root.toAbsolutePath());
        jobs.forEach(j -> out.printf("  %s <- %s%n", j.kind().folder(), j.source().describe()));
        int threads = lowlevelSource() == LowLevelSource.analyser && server == null
                ? Runtime.getRuntime().availableProcessors() : Math.max(1, concurrency);
        CaptionBatch batch = new CaptionBatch(new PromptStore(root), jobs, overwrite, threads);
        CaptionBatch.Report report;
        try (ProgressBar bar = progressBar(images.size())) {
            report = batch.run(images, result -> {
                bar.step();
                if (verbose) {
                    report(result);
                }
            });
        }
        out.println(report.summary());
        report.failures().forEach(f -> out.println("  failed: " + f));
        return report.failures().isEmpty() ? 0 : 1;
    }

    /** XPSR keeps prompt folders beside {@code LR/}; any other folder holds its own. */
    static Path defaultRoot(Path folder) {
        Path abs = folder.toAbsolutePath().normalize();
        Path name = abs.getFileName();
        return name != null && name.toString().equals("LR") && abs.getParent() != null ? abs.getParent() : abs;
    }

    private List<CaptionBatch.Job> jobs() {
        List<CaptionBatch.Job> jobs = new ArrayList<>();
        if (server != null) {
            if (model == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--server needs --model");
            }
            jobs.add(new CaptionBatch.Job(PromptKind.HIGH_LEVEL,
                    new ServerPromptSource(client(model), highlevelInstruction)));
        }
        switch (lowlevelSource()) {
            case analyser -> jobs.add(new CaptionBatch.Job(PromptKind.LOW_LEVEL,
                    new AnalyserPromptSource(new DegradationAnalyser())));
            case server -> {
                if (server == null) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--lowlevel server needs --server");
                }
                jobs.add(new CaptionBatch.Job(PromptKind.LOW_LEVEL, new ServerPromptSource(
                        client(lowlevelModel != null ? lowlevelModel : model), lowlevelInstruction)));
            }
            case none -> { }
        }
        if (jobs.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "nothing to write: give --server for high-level captions or a --lowlevel source");
        }
        return jobs;
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
