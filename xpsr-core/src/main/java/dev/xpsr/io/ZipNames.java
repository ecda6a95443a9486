package dev.xpsr.io;

/**
 * {@code java.util.zip} checks entry names when it opens an archive but decodes an entry's comment (and, on some
 * paths, its name) only when the entry is listed or looked up, and refuses text that is not valid in its encoding
 * with an unchecked {@link IllegalArgumentException} ("malformed input"), so any use of a damaged archive may throw
 * it. Readers of zip-based files turn it into their own format error with this test.
 */
public final class ZipNames {
    private ZipNames() {
    }

    /** Whether {@code e} was thrown inside {@code java.util.zip} rather than by this project's code. */
    public static boolean isMalformedEntryName(IllegalArgumentException e) {
        for (StackTraceElement frame : e.getStackTrace()) {
            if (frame.getClassName().startsWith("java.util.zip.")) {
                return true;
            }
            if (frame.getClassName().startsWith("dev.xpsr.")) {
                return false;
            }
        }
        return false;
    }
}
