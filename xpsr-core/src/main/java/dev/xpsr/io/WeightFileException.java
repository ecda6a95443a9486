package dev.xpsr.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A weight file that cannot be read. The message always starts with the file, then the entry where one is
 * involved, then what is wrong and what to do, so it can be shown to a user as is.
 */
public abstract class WeightFileException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String key;

    /**
     * @param file    the offending file (may be null when there is none)
     * @param entry   how the format names one entry ("tensor", "entry")
     * @param key     the offending key, or null when the problem is not about one entry
     * @param problem what is wrong and what to do, without the file and key (they are prepended)
     */
    protected WeightFileException(Path file, String entry, String key, String problem, Throwable cause) {
        super(compose(file, entry, key, problem), cause);
        this.file = file;
        this.key = key;
    }

    /** The offending file, or null. */
    public Path file() {
        return file;
    }

    /** The offending key, or null when the problem is not about one entry. */
    public String key() {
        return key;
    }

    private static String compose(Path file, String entry, String key, String problem) {
        StringBuilder sb = new StringBuilder(file == null ? "<no file>" : file.toString());
        if (key != null) {
            sb.append(": ").append(entry).append(" \"").append(key).append('"');
        }
        return sb.append(": ").append(problem).toString();
    }
}
