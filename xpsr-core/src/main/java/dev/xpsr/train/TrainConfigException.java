package dev.xpsr.train;

/** A training config that cannot be used: the message names the file, the key and the value. */
public final class TrainConfigException extends IllegalArgumentException {
    public TrainConfigException(String message) {
        super(message);
    }
}
