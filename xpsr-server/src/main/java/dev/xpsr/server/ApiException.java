package dev.xpsr.server;

import java.util.OptionalLong;

/**
 * A request the server refuses, with the HTTP status and a message that names what was wrong and what to do; the
 * API answers it as {@code {"status": 413, "error": "..."}}.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final OptionalLong retryAfterSeconds;

    private ApiException(int status, String message, OptionalLong retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static ApiException of(int status, String message) {
        return new ApiException(status, message, OptionalLong.empty());
    }

    /** 400: a malformed request or an option out of range. */
    public static ApiException badRequest(String message) {
        return of(400, message);
    }

    public static ApiException notFound(String message) {
        return of(404, message);
    }

    /** 409: the job is not in a state that allows this. */
    public static ApiException conflict(String message) {
        return of(409, message);
    }

    /** 413: an upload too large in bytes or pixels. */
    public static ApiException tooLarge(String message) {
        return of(413, message);
    }

    /** 415: not an image in a format the server reads. */
    public static ApiException unsupportedMediaType(String message) {
        return of(415, message);
    }

    /** 429 with a {@code Retry-After} header. */
    public static ApiException busy(String message, long retryAfterSeconds) {
        return new ApiException(429, message, OptionalLong.of(retryAfterSeconds));
    }

    public int status() {
        return status;
    }

    /** The seconds a client should wait before trying again, for 429. */
    public OptionalLong retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
