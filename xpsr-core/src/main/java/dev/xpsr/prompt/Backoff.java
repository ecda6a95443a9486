package dev.xpsr.prompt;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Random;

/**
 * Waits between retries: exponential backoff with "equal jitter" (M. Brooker, "Exponential Backoff And Jitter",
 * AWS Architecture Blog, 2015): before retry n the base is min(max, initial · 2^(n−1)) and the wait is half the
 * base plus a uniformly random part of the other half, so clients that failed together do not retry together
 * yet every wait keeps a floor. A server's {@code Retry-After} (RFC 9110 §10.2.3: seconds or an HTTP date) raises
 * the wait to at least what it asks.
 */
final class Backoff {
    private final Duration initial;
    private final Duration max;
    private final Random random;

    Backoff(Duration initial, Duration max, Random random) {
        this.initial = initial;
        this.max = max;
        this.random = random;
    }

    /** The wait before retry {@code retry} (1 = the first retry); {@code retryAfter} may be null. */
    Duration delay(int retry, Duration retryAfter) {
        double base = Math.min(max.toNanos(), initial.toNanos() * Math.pow(2, retry - 1));
        long jittered;
        synchronized (random) {
            jittered = (long) (base / 2 + random.nextDouble() * base / 2);
        }
        Duration wait = Duration.ofNanos(jittered);
        return retryAfter != null && retryAfter.compareTo(wait) > 0 ? retryAfter : wait;
    }

    /** A {@code Retry-After} value as a duration from {@code now}, or null when absent or unreadable. */
    static Duration parseRetryAfter(String header, Instant now) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String value = header.strip();
        try {
            long seconds = Long.parseLong(value);
            return seconds < 0 ? null : Duration.ofSeconds(seconds);
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                return at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO;
            } catch (DateTimeParseException notADate) {
                return null;
            }
        }
    }
}
