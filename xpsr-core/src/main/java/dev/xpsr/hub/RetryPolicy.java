package dev.xpsr.hub;

import java.time.Duration;

/**
 * How often, and after what pause, a failed request is tried again: HTTP 5xx and 429 answers, connection
 * failures and timeouts, and downloads cut off mid-body (which resume from where they stopped). The pause
 * doubles from {@code initialBackoff} up to {@code maxBackoff}. huggingface_hub 0.20 retries only a cut-off
 * body (five times, one second apart); retrying the other transient failures as well spares a multi-GB
 * download from one hub hiccup.
 *
 * @param maxRetries tries after the first; 0 fails at once
 */
public record RetryPolicy(int maxRetries, Duration initialBackoff, Duration maxBackoff) {
    /** Four retries, pausing 1, 2, 4 and 8 seconds. */
    public static final RetryPolicy DEFAULT = new RetryPolicy(4, Duration.ofSeconds(1), Duration.ofSeconds(8));

    public RetryPolicy {
        if (maxRetries < 0 || initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("retry policy needs maxRetries >= 0 and 0 <= initialBackoff <= maxBackoff");
        }
    }

    /** The pause before retry number {@code retry} (1-based). */
    public Duration delay(int retry) {
        Duration d = initialBackoff;
        for (int i = 1; i < retry && d.compareTo(maxBackoff) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
    }
}
