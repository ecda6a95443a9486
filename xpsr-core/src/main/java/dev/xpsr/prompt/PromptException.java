package dev.xpsr.prompt;

/** A prompt could not be produced for one image: a server failed, a prompt file could not be read. */
public class PromptException extends Exception {
    public PromptException(String message) {
        super(message);
    }

    public PromptException(String message, Throwable cause) {
        super(message, cause);
    }
}
