package dev.xpsr.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.xpsr.api.Method;
import dev.xpsr.pipeline.UpscaleOptions;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/** {@code /api/health}, {@code /api/methods} and {@code /api/openapi.json}: what the server is and runs. */
final class ServerInfo {
    private static final String OPENAPI = "/dev/xpsr/server/openapi.json";
    private final ServedMethods methods;
    private final JobRunner runner;
    private final ServerLimits limits;

    ServerInfo(ServedMethods methods, JobRunner runner, ServerLimits limits) {
        this.methods = methods;
        this.runner = runner;
        this.limits = limits;
    }

    /** Up, with the queue's fill. */
    void health(Context ctx) {
        ObjectNode o = JobJson.JSON.createObjectNode();
        o.put("status", "ok");
        o.put("demo", methods.demo());
        ObjectNode queue = o.putObject("queue");
        queue.put("waiting", runner.waiting());
        queue.put("running", runner.running());
        queue.put("capacity", limits.queueCapacity());
        JobsApi.json(ctx, o);
    }

    /** The methods (the default first), XPSR's default settings and the limits: what the page builds its form from. */
    void methods(Context ctx) {
        ObjectNode o = JobJson.JSON.createObjectNode();
        o.put("demo", methods.demo());
        o.put("defaultMethod", methods.defaultMethod().id());
        ArrayNode list = o.putArray("methods");
        for (Method m : methods.methods()) {
            ObjectNode e = list.addObject();
            e.put("id", m.id());
            e.put("description", m.description());
            e.put("prompts", m == Method.XPSR);
            e.put("randomWeights", m == Method.XPSR && methods.demo());
        }
        UpscaleOptions d = UpscaleOptions.DEFAULTS;
        o.putObject("defaults").put("steps", d.steps()).put("guidance", d.guidance()).put("seed", d.seed())
                .put("colorFix", d.colorFix().name().toLowerCase(Locale.ROOT)).put("sampler", d.sampler().id())
                .put("processSize", d.processSize());
        o.putObject("limits").put("queueCapacity", limits.queueCapacity())
                .put("maxUploadBytes", limits.maxUploadBytes()).put("maxPixels", limits.maxPixels())
                .put("maxSteps", limits.maxSteps()).put("minProcessSize", JobOptions.MIN_PROCESS_SIZE)
                .put("maxProcessSize", JobOptions.MAX_PROCESS_SIZE);
        JobsApi.json(ctx, o);
    }

    void openApi(Context ctx) throws IOException {
        try (InputStream in = ServerInfo.class.getResourceAsStream(OPENAPI)) {
            if (in == null) {
                throw new IOException("the server jar lacks " + OPENAPI);
            }
            ctx.contentType("application/json").result(in.readAllBytes());
        }
    }
}
