package dev.xpsr.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An image file could not be read or written. The message names the file and says what is wrong;
 * {@link #reason()} classifies it for callers that react differently (skip a file, stop a batch).
 */
public class ImageFileException extends IOException {
    /** What went wrong. */
    public enum Reason {
        /** No file at that path. */
        NOT_FOUND,
        /** The file exists but cannot be opened or read (a folder, no permission, an I/O error). */
        UNREADABLE,
        /** The content is not an image in a format the reader knows. */
        NOT_AN_IMAGE,
        /** The image data ends early. */
        TRUNCATED,
        /** The image data is malformed. */
        CORRUPT,
        /** The header declares more pixels than the configured limit (decompression-bomb guard). */
        TOO_LARGE,
        /** A valid image of a kind this reader does not convert (sample format, colour space). */
        UNSUPPORTED,
        /** The output cannot be written (missing or read-only folder, disk full, ...). */
        NOT_WRITABLE
    }

    private final transient Path file;
    private final Reason reason;

    public ImageFileException(Path file, Reason reason, String what) {
        this(file, reason, what, null);
    }

    public ImageFileException(Path file, Reason reason, String what, Throwable cause) {
        super(file + ": " + what, cause);
        this.file = file;
        this.reason = reason;
    }

    /** The file concerned. */
    public Path file() {
        return file;
    }

    public Reason reason() {
        return reason;
    }
}
