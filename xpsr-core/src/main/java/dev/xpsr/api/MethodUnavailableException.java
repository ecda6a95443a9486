package dev.xpsr.api;

import java.util.List;

/**
 * A method that cannot run here: its weight files are missing. The message lists the files, says where their
 * publisher offers them and suggests a method that runs now.
 */
public final class MethodUnavailableException extends UpscaleException {
    private final Method method;
    private final List<String> missing;

    public MethodUnavailableException(Method method, List<String> missing, String whereToGet, String suggestion) {
        super(method.id() + " cannot run: missing " + String.join(", ", missing) + ". " + whereToGet
                + (suggestion.isEmpty() ? "" : " " + suggestion));
        this.method = method;
        this.missing = List.copyOf(missing);
    }

    public Method method() {
        return method;
    }

    /** The missing files or folders. */
    public List<String> missing() {
        return missing;
    }
}
