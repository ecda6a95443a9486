package dev.xpsr.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.http.sse.SseHandler;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The handlers of {@code /api/jobs}: submit, list, show, follow, fetch the result, cancel and delete. */
final class JobsApi {
    static final int DEFAULT_PAGE = 20;
    static final int MAX_PAGE = 100;
    private final JobStore store;
    private final JobFiles files;
    private final JobRunner runner;
    private final JobEvents events;
    private final ServedMethods methods;
    private final ServerLimits limits;
    private final Uploads uploads;

    JobsApi(JobStore store, JobFiles files, JobRunner runner, JobEvents events, ServedMethods methods,
            ServerLimits limits, Uploads uploads) {
        this.store = store;
        this.files = files;
        this.runner = runner;
        this.events = events;
        this.methods = methods;
        this.limits = limits;
        this.uploads = uploads;
    }

    /** {@code POST /api/jobs}: 202 with the queued job. */
    void submit(Context ctx) throws IOException {
        uploads.checkLength(ctx);
        ImageUpload image = uploads.image(ctx);
        JobOptions options = JobOptions.parse(uploads.text(ctx, "options").orElse(null), methods.methods(),
                methods.defaultMethod(), limits);
        String id = runner.submit(image, options);
        ctx.status(202).header("Location", "/api/jobs/" + id);
        json(ctx, view(find(id)));
    }

    /** {@code GET /api/jobs?limit=&offset=}: newest first. */
    void list(Context ctx) {
        int limit = intParam(ctx, "limit", DEFAULT_PAGE, 1, MAX_PAGE);
        int offset = intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
        int total = store.count();
        ObjectNode o = JobJson.JSON.createObjectNode();
        ArrayNode jobs = o.putArray("jobs");
        store.list(limit, offset).forEach(r -> jobs.add(view(r)));
        o.put("total", total);
        o.put("limit", limit);
        o.put("offset", offset);
        o.put("next", offset + limit < total ? "/api/jobs?limit=" + limit + "&offset=" + (offset + limit) : null);
        json(ctx, o);
    }

    /** {@code GET /api/jobs/{id}}. */
    void show(Context ctx) {
        json(ctx, view(find(ctx.pathParam("id"))));
    }

    /** {@code GET /api/jobs/{id}/events}: the job now, then its progress, previews and state changes. */
    void follow(Context ctx) throws Exception {
        String id = find(ctx.pathParam("id")).id();
        String accept = ctx.header("Accept");
        if (accept == null || !accept.contains("text/event-stream")) {
            throw ApiException.of(406, "this is a server-sent event stream: send 'Accept: text/event-stream'");
        }
        if (!events.reserve()) {
            throw ApiException.busy("too many event streams are open (" + limits.maxEventStreams() + "); poll "
                    + "GET /api/jobs/" + id + " instead or try again later", JobEvents.HEARTBEAT_SECONDS);
        }
        new SseHandler(0, client -> events.subscribe(id, client, () -> view(find(id)))).handle(ctx);
    }

    /** {@code GET /api/jobs/{id}/result}: the PNG, with the text chunks the CLI writes. */
    void result(Context ctx) throws IOException {
        JobRecord job = find(ctx.pathParam("id"));
        switch (job.state()) {
            case DONE -> {
                Path png = files.result(job.id());
                ctx.contentType("image/png");
                ctx.header("Content-Disposition", "attachment; filename=\"" + resultName(job) + "\"");
                ctx.header("Content-Length", Long.toString(Files.size(png)));
                ctx.result(Files.newInputStream(png));
            }
            case FAILED -> throw ApiException.conflict("job " + job.id() + " failed, it has no result: "
                    + job.error().orElse("no reason recorded"));
            case CANCELLED -> throw ApiException.conflict("job " + job.id() + " was cancelled, it has no result");
            default -> throw ApiException.conflict("job " + job.id() + " is " + job.state().id() + "; its result is "
                    + "here once its state is done (follow /api/jobs/" + job.id() + "/events)");
        }
    }

    /** {@code GET /api/jobs/{id}/input}: the upload as it came, for showing beside the result. */
    void input(Context ctx) throws IOException {
        JobRecord job = find(ctx.pathParam("id"));
        Path file = files.input(job);
        ctx.contentType(ImageUpload.contentType(job.inputFile()));
        ctx.header("Content-Length", Long.toString(Files.size(file)));
        ctx.result(Files.newInputStream(file));
    }

    /**
     * {@code DELETE /api/jobs/{id}}: a queued job is cancelled (200), a running one asked to stop (202, cancelled
     * within a step), a finished one deleted with its files (204).
     */
    void delete(Context ctx) throws IOException {
        JobRecord job = find(ctx.pathParam("id"));
        if (job.state().finished()) {
            if (store.deleteFinished(job.id())) {
                files.delete(job.id());
            }
            ctx.status(204);
            return;
        }
        JobRunner.CancelOutcome outcome = runner.cancel(job.id());
        ctx.status(outcome == JobRunner.CancelOutcome.STOPPING ? 202 : 200);
        json(ctx, view(find(job.id())));
    }

    ObjectNode view(JobRecord r) {
        return JobJson.job(r, runner.progress(r.id()));
    }

    private JobRecord find(String id) {
        Optional<JobRecord> job = JobIds.isValid(id) ? store.get(id) : Optional.empty();
        return job.orElseThrow(() -> ApiException.notFound("no job '" + id + "' (deleted, or never accepted by "
                + "this server)"));
    }

    /** {@code photo.png} restored with XPSR → {@code photo_xpsr_x4.png}. */
    private static String resultName(JobRecord job) {
        String stem = ImageUpload.stem(job.name()).replaceAll("[^\\w.-]", "_");
        String method = JobJson.parse(job.options()).path("method").asText();
        return stem + "_" + method + "_x4.png";
    }

    private static int intParam(Context ctx, String name, int fallback, int min, int max) {
        String v = ctx.queryParam(name);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ApiException.badRequest("query parameter " + name + " must be an integer between " + min + " and "
                + max + ", got '" + v + "'");
    }

    static void json(Context ctx, ObjectNode body) {
        ctx.contentType("application/json").result(body.toString());
    }
}
