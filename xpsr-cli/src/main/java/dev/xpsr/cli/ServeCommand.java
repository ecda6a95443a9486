package dev.xpsr.cli;

import dev.xpsr.api.Method;
import dev.xpsr.api.Upscaler;
import dev.xpsr.server.DemoModels;
import dev.xpsr.server.ServedMethods;
import dev.xpsr.server.ServedPrompts;
import dev.xpsr.server.ServerLimits;
import dev.xpsr.server.ServerSettings;
import dev.xpsr.server.XpsrServer;
import dev.xpsr.util.ByteSize;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code xpsr serve}: the REST API and the web page ({@link XpsrServer}) over XPSR (the demo's tiny random-weight
 * networks, or the real checkpoint) and every baseline whose weights are present.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serve restorations over HTTP: a REST API (/api/openapi.json) and a web page, with jobs kept "
                + "in a database so that a restart loses none.",
                "Try it: xpsr serve --demo, then open http://127.0.0.1:8080/"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"2:invalid options, a method that cannot be loaded, or the port or data folder in use"})
public final class ServeCommand implements Callable<Integer> {
    @Option(names = "--demo", description = "Serve XPSR with tiny random-weight networks (no download; its output is "
            + "noise) beside the baselines with real weights.")
    boolean demo;

    @Option(names = "--host", defaultValue = ServerSettings.LOOPBACK,
            description = "Address to bind (default: ${DEFAULT-VALUE}); any other needs --token-env.")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port, 0 for any free one (default: "
            + "${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--data", paramLabel = "DIR", description = "Job database and files (default: "
            + "$XDG_CACHE_HOME/xpsr/serve, else ~/.cache/xpsr/serve).")
    Path data;

    @Option(names = "--token-env", paramLabel = "VAR", description = "Environment variable holding the bearer "
            + "token every API request must carry (at least 16 characters; never printed).")
    String tokenVariable;

    @Option(names = "--cors-origin", paramLabel = "ORIGIN", description = "Allow browser pages of this origin to "
            + "call the API (repeatable; default: CORS off).")
    List<String> corsOrigins = new ArrayList<>();

    @Option(names = "--queue-capacity", defaultValue = "16", description = "Jobs waiting at most; more get 429 "
            + "(default: ${DEFAULT-VALUE}).")
    int queueCapacity;

    @Option(names = "--max-upload", defaultValue = "20M", paramLabel = "SIZE",
            description = "Largest upload; more gets 413 (default: ${DEFAULT-VALUE}).")
    String maxUpload;

    @Option(names = "--max-pixels", defaultValue = "4194304", description = "Largest width x height of an upload, "
            + "checked before decoding; more gets 413 (default: ${DEFAULT-VALUE}, 2048 x 2048).")
    long maxPixels;

    @Option(names = "--max-steps", defaultValue = "100", description = "Most denoising steps a job may ask for "
            + "(default: ${DEFAULT-VALUE}).")
    int maxSteps;

    @Option(names = "--workers", defaultValue = "1", description = "Restorations running at once (default: "
            + "${DEFAULT-VALUE}).")
    int workers;

    @Mixin
    BaselineModelsOption baselineModels;

    @Mixin
    XpsrModelOptions models;

    @Mixin
    PlacementOptions placement;

    @Mixin
    PromptOptions prompts;

    @Mixin
    ThreadsOption threads;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (demo && models.xpsr != null) {
            throw new IllegalArgumentException("--demo serves random-weight XPSR networks; leave it out to serve "
                    + "the checkpoint given with --xpsr");
        }
        ServerSettings settings = new ServerSettings(host, port, data != null ? data : defaultDataDir(), token(),
                corsOrigins, new ServerLimits(queueCapacity, ByteSize.parse(maxUpload), maxPixels, maxSteps,
                ServerLimits.DEFAULTS.maxEventStreams()), workers);
        int perWorker = threads.start(workers);
        long t0 = System.nanoTime();
        ServedPrompts served = new ServedPrompts(prompts.highlevel(), prompts.lowlevel(), prompts::apply);
        List<Upscaler> upscalers = new ArrayList<>();
        try {
            xpsr(served, perWorker).ifPresent(upscalers::add);
            Path folder = baselineModels.folder();
            for (Method m : ServedMethods.availableBaselines(folder)) {
                upscalers.add(Upscaler.builder(m).baselineModels(folder).concurrency(workers).threads(perWorker)
                        .build());
            }
        } catch (IOException | RuntimeException e) {
            upscalers.forEach(Upscaler::close);
            throw e;
        }
        ServedMethods methods = new ServedMethods(upscalers, demo, served);
        XpsrServer server = XpsrServer.start(settings, methods);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "xpsr-serve-shutdown"));
        out.printf("xpsr serve: %s ready in %.1f s%n", describe(methods), (System.nanoTime() - t0) / 1e9);
        out.printf("xpsr serve: listening on %s (data: %s; stop with Ctrl-C)%n", server.url(),
                settings.dataDir().toAbsolutePath());
        out.flush();
        new CountDownLatch(1).await();
        return 0;
    }

    /** The XPSR upscaler: the demo's networks, the checkpoint of --xpsr, or none. */
    private Optional<Upscaler> xpsr(ServedPrompts served, int perWorker) throws IOException {
        Upscaler.Builder b;
        if (demo) {
            b = Upscaler.builder(Method.XPSR).models(DemoModels.create(DemoModels.SEED));
        } else if (models.xpsr != null) {
            try (DownloadProgress downloads = new DownloadProgress(System.err)) {
                b = models.configure(Upscaler.builder(Method.XPSR), placement.placement(), downloads);
            }
        } else {
            out.println("xpsr serve: XPSR is not served (give its checkpoint with --xpsr, or try --demo)");
            return Optional.empty();
        }
        return Optional.of(b.promptSources(served.highlevel(), served.lowlevel()).concurrency(workers)
                .threads(perWorker).build());
    }

    private Optional<String> token() {
        if (tokenVariable == null) {
            return Optional.empty();
        }
        String v = System.getenv(tokenVariable);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("--token-env " + tokenVariable + ": that environment variable is not "
                    + "set; put the bearer token in it");
        }
        return Optional.of(v.strip());
    }

    private static String describe(ServedMethods methods) {
        return String.join(", ", methods.methods().stream().map(m -> m == Method.XPSR && methods.demo()
                ? "xpsr (demo: tiny random-weight networks, its output is noise)" : m.id()).toList());
    }

    /** {@code $XDG_CACHE_HOME/xpsr/serve}, else {@code ~/.cache/xpsr/serve}. */
    static Path defaultDataDir() {
        String cache = System.getenv("XDG_CACHE_HOME");
        Path root = cache != null && !cache.isBlank() ? Path.of(cache)
                : Path.of(System.getProperty("user.home"), ".cache");
        return root.resolve("xpsr").resolve("serve");
    }
}
