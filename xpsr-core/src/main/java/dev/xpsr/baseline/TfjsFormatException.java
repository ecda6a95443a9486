package dev.xpsr.baseline;

/** A malformed or unsupported TensorFlow.js model; the message names the file and the layer or weight. */
public final class TfjsFormatException extends RuntimeException {
    public TfjsFormatException(String message) {
        super(message);
    }

    public TfjsFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
