package dev.xpsr.api;

/** A restoration that failed; the message names the image and what went wrong, the cause is the original error. */
public class UpscaleException extends RuntimeException {
    public UpscaleException(String message, Throwable cause) {
        super(message, cause);
    }

    public UpscaleException(String message) {
        super(message);
    }
}
