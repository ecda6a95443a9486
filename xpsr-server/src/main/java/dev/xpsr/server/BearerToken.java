package dev.xpsr.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The token API requests must carry as {@code Authorization: Bearer <token>}. The comparison takes the same time
 * whatever the presented value: both sides are hashed to SHA-256 first (so neither length nor a common prefix
 * shows in the timing) and the digests are compared with {@link MessageDigest#isEqual}, which is constant-time.
 */
final class BearerToken {
    private static final String SCHEME = "Bearer ";
    private final byte[] expected;

    BearerToken(String token) {
        this.expected = sha256(token);
    }

    /** Whether an {@code Authorization} header value (possibly null) carries the token. */
    boolean accepts(String authorization) {
        String presented = authorization != null && authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())
                ? authorization.substring(SCHEME.length()).strip() : "";
        return MessageDigest.isEqual(expected, sha256(presented));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
