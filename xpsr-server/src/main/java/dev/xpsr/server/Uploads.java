package dev.xpsr.server;

import io.javalin.http.Context;
import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.Part;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Reads the parts of a {@code multipart/form-data} request within the limits: the image part up to the upload
 * limit (Jetty refuses more while it reads, so nothing over the limit is kept), a small options part, and a
 * {@code Content-Length} checked before any of it is read.
 */
final class Uploads {
    /** Jetty's request attribute for the multipart limits of one request. */
    private static final String MULTIPART_CONFIG = "org.eclipse.jetty.multipartConfig";
    /** Room for the options part and the multipart framing around the image. */
    private static final long FRAMING_BYTES = 64 * 1024;
    private static final int IN_MEMORY_BYTES = 1 << 20;
    private final ServerLimits limits;
    private final MultipartConfigElement config;

    Uploads(ServerLimits limits, Path spillDir) {
        this.limits = limits;
        this.config = new MultipartConfigElement(spillDir.toString(), limits.maxUploadBytes(),
                limits.maxUploadBytes() + FRAMING_BYTES, IN_MEMORY_BYTES);
    }

    /**
     * The image of a multipart request, its header checked ({@link ImageUpload#inspect}).
     *
     * @throws ApiException 415 when the request is not multipart, 413 when it is too large, 400 without an image
     */
    ImageUpload image(Context ctx) {
        requireMultipart(ctx);
        Part part = part(ctx, "image").orElseThrow(() -> ApiException.badRequest("the request has no part 'image'; "
                + "send the image file as the multipart part named 'image'"));
        try (InputStream in = part.getInputStream()) {
            return ImageUpload.inspect(in.readAllBytes(), part.getSubmittedFileName(), limits.maxPixels());
        } catch (IOException e) {
            throw ApiException.badRequest("cannot read the part 'image': " + e.getMessage());
        }
    }

    /** The text of the part {@code name} (at most 64 KiB), when the request has it. */
    Optional<String> text(Context ctx, String name) {
        Optional<Part> part = part(ctx, name);
        if (part.isEmpty()) {
            return Optional.empty();
        }
        try (InputStream in = part.get().getInputStream()) {
            byte[] bytes = in.readNBytes((int) FRAMING_BYTES + 1);
            if (bytes.length > FRAMING_BYTES) {
                throw ApiException.tooLarge("the part '" + name + "' is larger than " + FRAMING_BYTES + " bytes");
            }
            return Optional.of(new String(bytes, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw ApiException.badRequest("cannot read the part '" + name + "': " + e.getMessage());
        }
    }

    /** Refuses a declared body larger than the limits before reading it. */
    void checkLength(Context ctx) {
        long length = ctx.req().getContentLengthLong();
        if (length > limits.maxUploadBytes() + FRAMING_BYTES) {
            throw ApiException.tooLarge("the request has " + length + " bytes; this server accepts uploads of at "
                    + "most " + limits.maxUploadBytes() + " bytes");
        }
    }

    private void requireMultipart(Context ctx) {
        if (!ctx.isMultipartFormData()) {
            throw ApiException.unsupportedMediaType("expected a multipart/form-data request with the image as part "
                    + "'image' (and the options as part 'options'), got Content-Type '" + ctx.contentType() + "'");
        }
    }

    private Optional<Part> part(Context ctx, String name) {
        ctx.req().setAttribute(MULTIPART_CONFIG, config);
        try {
            return Optional.ofNullable(ctx.req().getPart(name));
        } catch (ServletException | IOException | IllegalStateException e) {
            throw overLimit(e) ? ApiException.tooLarge("the upload is larger than this server's limit of "
                    + limits.maxUploadBytes() + " bytes; send a smaller file")
                    : ApiException.badRequest("malformed multipart request: " + messages(e));
        }
    }

    /** Jetty reports a part over its limit as "max file size exceeded" or "max request size exceeded". */
    private static boolean overLimit(Throwable e) {
        return messages(e).matches("(?s).*(max file size|max request size|exceeds max|size exceeded).*");
    }

    private static String messages(Throwable e) {
        StringBuilder s = new StringBuilder();
        for (Throwable c = e; c != null; c = c.getCause()) {
            s.append(s.length() == 0 ? "" : ": ").append(c.getMessage());
        }
        return s.toString();
    }
}
