package dev.xpsr.baseline;

/** A malformed or unsupported ncnn {@code .param} / {@code .bin} file; the message names the file, layer and line. */
public final class NcnnFormatException extends RuntimeException {
    public NcnnFormatException(String message) {
        super(message);
    }
}
