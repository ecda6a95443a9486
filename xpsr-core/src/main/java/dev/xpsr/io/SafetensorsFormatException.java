package dev.xpsr.io;

import java.nio.file.Path;

/**
 * A safetensors file (or a sharded-checkpoint index) that breaks the format: the file is damaged,
 * truncated, or not what its name says.
 *
 * <p>The message always starts with the file, then the tensor key where one is involved, then what is
 * wrong (with the offending numbers) and what to do about it, so that it can be shown to a user as is.
 */
public final class SafetensorsFormatException extends WeightFileException {
    private static final long serialVersionUID = 1L;

    /** Advice for damage that only a fresh copy of the file can fix. */
    static final String REDOWNLOAD = "the file is truncated, damaged or not a safetensors file; re-download it";

    /**
     * @param file the offending file (may be null when there is none)
     * @param key the offending tensor key, or null when the problem is not about one tensor
     * @param problem what is wrong and what to do, without the file and key (they are prepended)
     */
    public SafetensorsFormatException(Path file, String key, String problem) {
        this(file, key, problem, null);
    }

    /** As {@link #SafetensorsFormatException(Path, String, String)}, keeping the underlying cause. */
    public SafetensorsFormatException(Path file, String key, String problem, Throwable cause) {
        super(file, "tensor", key, problem, cause);
    }
}
