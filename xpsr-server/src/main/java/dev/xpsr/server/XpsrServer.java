package dev.xpsr.server;

import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.staticfiles.Location;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code xpsr serve}: the REST API of {@code docs/SERVER.md} and the web page, over one {@link ServedMethods}.
 * {@link #start} recovers the jobs of the last run (queued ones run, a run cut by a crash starts again), starts the
 * workers and listens; {@link #close} stops listening, puts running jobs back in the queue and closes everything.
 * One server per data folder: a second one on the same folder is refused.
 */
public final class XpsrServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(XpsrServer.class);
    private static final String WEB = "/dev/xpsr/server/web";
    /** Marks a request answered by {@link #refuse}, whose 404 must keep its own message. */
    private static final String REFUSED = "xpsr.refused";
    private final ServerSettings settings;
    private final ServedMethods methods;
    private final FileChannel lockFile;
    private final JobStore store;
    private final JobEvents events;
    private final JobRunner runner;
    private final Javalin app;

    private XpsrServer(ServerSettings settings, ServedMethods methods, FileChannel lockFile, JobStore store)
            throws IOException {
        this.settings = settings;
        this.methods = methods;
        this.lockFile = lockFile;
        this.store = store;
        Path data = settings.dataDir();
        JobFiles files = new JobFiles(data);
        List<String> recovered = store.recover(Instant.now());
        int strays = files.removeStrays(store.ids());
        if (!recovered.isEmpty() || strays > 0) {
            LOG.info("recovered {} queued jobs; removed {} job folders without a job", recovered.size(), strays);
        }
        ServerLimits limits = settings.limits();
        this.events = new JobEvents(limits.maxEventStreams());
        this.runner = new JobRunner(store, files, methods, events, limits);
        Path scratch = emptyFolder(data.resolve("uploads"));
        Uploads uploads = new Uploads(limits, scratch);
        JobsApi jobs = new JobsApi(store, files, runner, events, methods, limits, uploads);
        ServerInfo info = new ServerInfo(methods, runner, limits);
        PromptProposals prompts = new PromptProposals(methods, uploads, scratch, limits);
        this.app = Javalin.create(cfg -> configure(cfg, jobs, info, prompts));
        runner.requeue(recovered);
    }

    /**
     * Opens the data folder, recovers its jobs, starts the workers and listens. The server owns {@code methods}
     * from here on, and closes them with itself (or at once, when it cannot start).
     *
     * @throws IllegalStateException when another server uses the data folder
     * @throws IOException           when the data folder cannot be created or the port cannot be bound
     */
    public static XpsrServer start(ServerSettings settings, ServedMethods methods) throws IOException {
        XpsrServer server = null;
        FileChannel lock = null;
        JobStore store = null;
        try {
            Path data = Files.createDirectories(settings.dataDir());
            lock = FileChannel.open(data.resolve("server.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            if (lock.tryLock() == null) {
                throw new IllegalStateException("another xpsr serve uses the data folder " + data.toAbsolutePath()
                        + "; stop it or choose another --data folder");
            }
            store = JobStore.open(data.resolve("jobs.db"));
            server = new XpsrServer(settings, methods, lock, store);
            server.app.start(settings.host(), settings.port());
            // only a server that listens runs jobs: one that cannot bind its port leaves the queue as it was
            server.runner.start(settings.workers());
            return server;
        } catch (IOException | RuntimeException e) {
            if (server != null) {
                server.close();
            } else {
                methods.close();
                if (store != null) {
                    store.close();
                }
                if (lock != null) {
                    lock.close();
                }
            }
            if (e instanceof IOException io) {
                throw io;
            }
            if (server != null) {
                throw new IOException("cannot listen on " + settings.host() + ":" + settings.port() + ": "
                        + e.getMessage(), e);
            }
            throw (RuntimeException) e;
        }
    }

    private void configure(JavalinConfig cfg, JobsApi jobs, ServerInfo info, PromptProposals prompts) {
        cfg.startup.showJavalinBanner = false;
        cfg.startup.showOldJavalinVersionWarning = false;
        cfg.staticFiles.add(WEB, Location.CLASSPATH);
        if (!settings.corsOrigins().isEmpty()) {
            cfg.bundledPlugins.enableCors(cors -> cors.addRule(rule -> {
                settings.corsOrigins().forEach(rule::allowHost);
                rule.exposeHeader("Location");
                rule.exposeHeader("Retry-After");
            }));
        }
        RoutesConfig r = cfg.routes;
        r.before(XpsrServer::securityHeaders);
        settings.token().map(BearerToken::new).ifPresent(token -> r.before("/api/*", ctx -> authorize(ctx, token)));
        r.get("/api/health", info::health);
        r.get("/api/openapi.json", info::openApi);
        r.get("/api/methods", info::methods);
        r.post("/api/prompts", prompts::propose);
        r.post("/api/jobs", jobs::submit);
        r.get("/api/jobs", jobs::list);
        r.get("/api/jobs/{id}", jobs::show);
        r.delete("/api/jobs/{id}", jobs::delete);
        r.get("/api/jobs/{id}/events", jobs::follow);
        r.get("/api/jobs/{id}/result", jobs::result);
        r.get("/api/jobs/{id}/input", jobs::input);
        r.exception(ApiException.class, XpsrServer::refuse);
        r.exception(Exception.class, XpsrServer::internalError);
        r.error(404, ctx -> {
            if (ctx.path().startsWith("/api/") && ctx.attribute(REFUSED) == null) {
                JobsApi.json(ctx, JobJson.error(404, "no such endpoint: " + ctx.method() + " " + ctx.path()
                        + " (see /api/openapi.json)"));
            }
        });
    }

    /** Creates {@code dir}, or empties it of what a killed server left (uploads Jetty spilled to disk). */
    private static Path emptyFolder(Path dir) throws IOException {
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
        }
        return dir;
    }

    /** The page loads only its own scripts and styles; nothing may frame it. */
    private static void securityHeaders(Context ctx) {
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; "
                + "frame-ancestors 'none'");
    }

    /** The health check and the API description stay open, so monitors and clients can find their way in. */
    private static void authorize(Context ctx, BearerToken token) {
        String path = ctx.path();
        if (path.equals("/api/health") || path.equals("/api/openapi.json") || ctx.method().name().equals("OPTIONS")) {
            return;
        }
        if (!token.accepts(ctx.header("Authorization"))) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw ApiException.of(401, "this server needs 'Authorization: Bearer <token>' (the token is in the "
                    + "environment variable named by the server's --token-env)");
        }
    }

    private static void refuse(ApiException e, Context ctx) {
        ctx.attribute(REFUSED, true);
        e.retryAfterSeconds().ifPresent(s -> ctx.header("Retry-After", Long.toString(s)));
        ctx.status(e.status());
        JobsApi.json(ctx, JobJson.error(e.status(), e.getMessage()));
    }

    private static void internalError(Exception e, Context ctx) {
        LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
        ctx.status(500);
        JobsApi.json(ctx, JobJson.error(500, "internal error: " + e.getMessage() + " (see the server's log)"));
    }

    /** The port listened on (the chosen one when the settings asked for 0). */
    public int port() {
        return app.port();
    }

    /** The page's address, e.g. {@code http://127.0.0.1:8080/}. */
    public URI url() {
        String host = settings.host().contains(":") ? "[" + settings.host() + "]" : settings.host();
        return URI.create("http://" + host + ":" + port() + "/");
    }

    /** Stops listening, puts running jobs back in the queue, closes the methods, the database and the lock. */
    @Override
    public void close() {
        app.stop();
        runner.close();
        events.close();
        methods.close();
        store.close();
        try {
            lockFile.close();
        } catch (IOException e) {
            LOG.warn("cannot release the lock of {}: {}", settings.dataDir(), e.getMessage());
        }
    }
}
