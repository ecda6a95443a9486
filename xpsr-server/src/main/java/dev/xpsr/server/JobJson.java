package dev.xpsr.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.xpsr.api.Progress;
import dev.xpsr.api.ResolvedPrompts;
import dev.xpsr.io.RgbImage;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/** The JSON the API answers with: a job, its progress, a preview, and the prompts a job used. */
final class JobJson {
    static final ObjectMapper JSON = new ObjectMapper();

    private JobJson() {
    }

    /**
     * A job as {@code GET /api/jobs/{id}} shows it: state, progress (live while it runs), the options it was given,
     * the seed and every setting, the prompts it used and their source (once done), the error (when failed) and its
     * links.
     */
    static ObjectNode job(JobRecord r, Optional<Progress> live) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", r.id());
        o.put("name", r.name());
        ObjectNode options = (ObjectNode) parse(r.options());
        o.put("method", options.path("method").asText());
        o.put("state", r.state().id());
        o.put("cancelRequested", r.cancelRequested());
        o.put("attempts", r.attempts());
        o.put("createdAt", r.createdAt().toString());
        o.put("startedAt", r.startedAt().map(Instant::toString).orElse(null));
        o.put("finishedAt", r.finishedAt().map(Instant::toString).orElse(null));
        if (r.state() == JobState.DONE) {
            o.set("progress", JSON.createObjectNode().put("fraction", 1.0));
        } else {
            o.set("progress", live.map(JobJson::progressFields).orElse(null));
        }
        o.set("options", options);
        o.set("seed", options.get("seed"));
        o.put("settings", JobOptions.settingsOf(r.options()).orElse(null));
        o.set("prompts", r.prompts().map(JobJson::parse).orElse(null));
        o.put("error", r.error().orElse(null));
        o.put("seconds", r.seconds().orElse(null));
        ObjectNode links = o.putObject("links");
        String self = "/api/jobs/" + r.id();
        links.put("self", self);
        links.put("events", self + "/events");
        links.put("result", r.state() == JobState.DONE ? self + "/result" : null);
        return o;
    }

    /** A {@code progress} event: the stage, the step of the total, the elapsed time and the ETA of the loop. */
    static ObjectNode progress(String id, Progress p) {
        ObjectNode o = progressFields(p);
        o.put("id", id);
        return o;
    }

    private static ObjectNode progressFields(Progress p) {
        ObjectNode o = JSON.createObjectNode();
        o.put("stage", p.stage().name().toLowerCase(Locale.ROOT));
        o.put("step", p.step());
        o.put("total", p.total());
        o.put("fraction", p.fraction());
        o.put("elapsedSeconds", seconds(p.elapsed()));
        o.put("etaSeconds", p.eta().map(JobJson::seconds).orElse(null));
        return o;
    }

    /** A {@code preview} event: the current estimate at latent resolution as a PNG data URL. */
    static ObjectNode preview(String id, int step, RgbImage image) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", id);
        o.put("step", step);
        o.put("width", image.width());
        o.put("height", image.height());
        o.put("image", "data:image/png;base64," + Base64.getEncoder().encodeToString(png(image)));
        return o;
    }

    /** The prompts a job used, as stored with it. */
    static String prompts(ResolvedPrompts p) {
        ObjectNode o = JSON.createObjectNode();
        o.put("positive", p.prompts().positive());
        o.put("negative", p.prompts().negative());
        o.put("lowlevel", p.prompts().lowlevel());
        o.put("lowlevelNegative", p.prompts().lowlevelNegative());
        o.put("source", p.source());
        return o.toString();
    }

    /** An error body: {@code {"status": 413, "error": "..."}}. */
    static ObjectNode error(int status, String message) {
        return JSON.createObjectNode().put("status", status).put("error", message);
    }

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored JSON is malformed: " + e.getOriginalMessage(), e);
        }
    }

    private static double seconds(Duration d) {
        return Math.round(d.toMillis() / 100.0) / 10.0;
    }

    /** A small image as PNG bytes (previews are at most latent-sized, e.g. 64 × 64). */
    static byte[] png(RgbImage image) {
        BufferedImage b = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
        byte[] hwc = image.toHwcBytes();
        for (int y = 0, i = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++, i += 3) {
                b.setRGB(x, y, (hwc[i] & 0xFF) << 16 | (hwc[i + 1] & 0xFF) << 8 | (hwc[i + 2] & 0xFF));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(b, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode a preview as PNG", e);
        }
        return out.toByteArray();
    }
}
