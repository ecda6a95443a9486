package dev.xpsr.io;

/** A model {@code config.json} that is missing a field, has a wrong type or asks for something unsupported. */
public final class ModelConfigException extends IllegalArgumentException {
    public ModelConfigException(String message) {
        super(message);
    }
}
