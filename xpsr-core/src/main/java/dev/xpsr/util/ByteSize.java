package dev.xpsr.util;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Memory sizes as users write them on a command line: {@code 3G}, {@code 512M}, {@code 1.5GiB}, {@code 800000000}. */
public final class ByteSize {
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGT]?)(?:I?B)?");

    private ByteSize() {
    }

    /**
     * Bytes in {@code text}: a number with an optional binary suffix K, M, G or T (optionally followed by B or iB;
     * all suffixes are powers of 1024).
     *
     * @throws IllegalArgumentException naming the text when it is not a size
     */
    public static long parse(String text) {
        Matcher m = SIZE.matcher(text.trim().toUpperCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("not a memory size: '" + text + "' (write e.g. 3G, 512M or 1.5GiB)");
        }
        int shift = switch (m.group(2)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
        };
        double bytes = Double.parseDouble(m.group(1)) * (1L << shift);
        if (bytes < 1 || bytes >= Long.MAX_VALUE) {
            throw new IllegalArgumentException("memory size out of range: '" + text + "'");
        }
        return (long) bytes;
    }
}
