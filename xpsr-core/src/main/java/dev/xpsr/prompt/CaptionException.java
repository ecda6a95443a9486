package dev.xpsr.prompt;

/**
 * A model server did not produce a caption for one image. The message says which server, what went wrong and
 * after how many attempts; it never contains the API key.
 */
public final class CaptionException extends PromptException {
    /** What went wrong. */
    public enum Kind {
        /** No connection (refused, reset, DNS, connect timeout). Retried. */
        UNREACHABLE,
        /** The server took longer than the request timeout. Not retried: a slow model stays slow. */
        TIMEOUT,
        /** HTTP 429. Retried after Retry-After or the backoff. */
        RATE_LIMITED,
        /** HTTP 5xx (and 408). Retried. */
        SERVER_ERROR,
        /** Another HTTP 4xx: a wrong model name or key, or an image the server rejects. Not retried. */
        REJECTED,
        /** A 2xx answer that is not the protocol's JSON. Not retried. */
        MALFORMED_RESPONSE,
        /** The answer text is empty after post-processing. Not retried. */
        EMPTY_ANSWER,
        /** The response body exceeds the configured limit. Not retried. */
        RESPONSE_TOO_LARGE,
        /** The calling thread was interrupted. */
        INTERRUPTED
    }

    private final Kind kind;
    private final int status;
    private final int attempts;

    CaptionException(Kind kind, int status, int attempts, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.status = status;
        this.attempts = attempts;
    }

    public Kind kind() {
        return kind;
    }

    /** The last HTTP status, or -1 when no response arrived. */
    public int status() {
        return status;
    }

    /** How many requests were sent. */
    public int attempts() {
        return attempts;
    }
}
