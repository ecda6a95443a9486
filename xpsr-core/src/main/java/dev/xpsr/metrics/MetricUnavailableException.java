package dev.xpsr.metrics;

/** A metric cannot be computed here: its weight or model files are missing or do not load. */
public final class MetricUnavailableException extends RuntimeException {
    public MetricUnavailableException(String message) {
        super(message);
    }

    public MetricUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
