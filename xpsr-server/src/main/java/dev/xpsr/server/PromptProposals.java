package dev.xpsr.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.xpsr.io.ImageFileException;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import dev.xpsr.prompt.Prompt;
import dev.xpsr.prompt.PromptException;
import dev.xpsr.prompt.PromptSource;
import io.javalin.http.Context;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;

/**
 * {@code POST /api/prompts}: the caption and the low-level description the server's prompt sources propose for an
 * upload (the degradation analyser, an MLLM server when one is configured), so the page can show them for editing
 * before a job starts. Two proposals run at once at most (an MLLM call can take seconds); more get 429.
 */
final class PromptProposals {
    private static final int AT_ONCE = 2;
    private final ServedMethods methods;
    private final Uploads uploads;
    private final Path scratch;
    private final ServerLimits limits;
    private final Semaphore running = new Semaphore(AT_ONCE);

    PromptProposals(ServedMethods methods, Uploads uploads, Path scratch, ServerLimits limits) {
        this.methods = methods;
        this.uploads = uploads;
        this.scratch = scratch;
        this.limits = limits;
    }

    void propose(Context ctx) throws IOException {
        uploads.checkLength(ctx);
        ImageUpload upload = uploads.image(ctx);
        if (!running.tryAcquire()) {
            throw ApiException.busy(AT_ONCE + " prompt proposals are running; try again in a moment", 2);
        }
        try {
            RgbImage image = decode(upload);
            ObjectNode o = JobJson.JSON.createObjectNode();
            o.set("caption", prompt(methods.prompts().highlevel(), upload, image));
            o.set("lowlevelPrompt", prompt(methods.prompts().lowlevel(), upload, image));
            JobsApi.json(ctx, o);
        } finally {
            running.release();
        }
    }

    private static ObjectNode prompt(PromptSource source, ImageUpload upload, RgbImage image) {
        ObjectNode o = JobJson.JSON.createObjectNode();
        try {
            Prompt p = source.prompt(upload.stem(), image).orElse(Prompt.NONE);
            o.put("text", p.text().strip());
            o.put("source", p.source());
        } catch (PromptException e) {
            o.put("text", "");
            o.put("source", "none (" + source.describe() + " failed: " + e.getMessage() + ")");
        }
        return o;
    }

    /** Decodes through the project's reader (Pillow's conversions), which reads files. */
    private RgbImage decode(ImageUpload upload) throws IOException {
        Path tmp = Files.createTempFile(scratch, "proposal-", "." + upload.extension());
        try {
            Files.write(tmp, upload.bytes());
            return ImageFiles.read(tmp, ImageFiles.ReadOptions.DEFAULTS.withMaxPixels(limits.maxPixels()));
        } catch (ImageFileException e) {
            throw ApiException.badRequest("'" + upload.name() + "' cannot be decoded: "
                    + ImageUpload.problem(e));
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
