package dev.xpsr.server;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** Job ids: 24 random hex digits, so that one client cannot guess another's jobs, and safe as folder names. */
final class JobIds {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern FORM = Pattern.compile("[0-9a-f]{24}");

    private JobIds() {
    }

    static String next() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    static boolean isValid(String id) {
        return id != null && FORM.matcher(id).matches();
    }
}
