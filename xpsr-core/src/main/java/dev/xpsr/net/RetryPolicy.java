package dev.xpsr.net;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * When, how often and after what pause the project's HTTP clients (Hugging Face Hub downloads, MLLM caption
 * servers) try a failed request again. One set of rules for both:
 *
 * <ul>
 *   <li><b>Statuses retried:</b> 408 (request timeout), 429 (too many requests) and 5xx, except 501 and 505,
 *       which say the server will never serve this request. Every other status, 4xx above all, is final.</li>
 *   <li><b>Failures retried:</b> those another try can cure: a connection refused, reset or closed mid-answer,
 *       and timeouts (connecting, waiting for a read, the whole request). Final: an unknown host, a TLS failure
 *       (certificate, handshake) and an interrupted thread, since waiting fixes none of them.</li>
 *   <li><b>Attempts:</b> at most {@link #maxAttempts} requests in a row, the first included. A caller that makes
 *       progress between failures (a download that received bytes before the connection dropped) starts a new
 *       series: {@link Attempts#progressed()}.</li>
 *   <li><b>Pause:</b> exponential backoff with "equal jitter" (M. Brooker, "Exponential Backoff And Jitter", AWS
 *       Architecture Blog, 2015): before retry n the base is min(maxBackoff, initialBackoff · 2^(n−1)) and the
 *       wait is half the base plus a uniformly random part of the other half, so clients that failed together do
 *       not retry together, yet every wait keeps a floor. A server's {@code Retry-After} (RFC 9110 §10.2.3:
 *       seconds or an HTTP date) raises the wait to at least what it asks.</li>
 *   <li><b>Budget:</b> no wait may end later than {@link #budget} after the series began; a retry that would is
 *       not waited for: the caller gives up at once. So a series lasts at most the budget plus one request.</li>
 * </ul>
 *
 * @param maxAttempts    requests in a row at most, the first included; 1 never retries
 * @param initialBackoff the base of the wait before the first retry; it doubles with each retry
 * @param maxBackoff     cap on the base of one wait
 * @param budget         cap on a series of attempts, from its first request to the end of its last wait
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, Duration budget) {
    /** Five attempts, waits of 0.5–1, 1–2, 2–4 and 4–8 s (capped at 5–10 s), within five minutes. */
    public static final RetryPolicy DEFAULT = new RetryPolicy(5, Duration.ofSeconds(1), Duration.ofSeconds(10),
            Duration.ofMinutes(5));
    /** One attempt: every failure is final. */
    public static final RetryPolicy NONE = new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ZERO);

    public RetryPolicy {
        if (maxAttempts < 1 || initialBackoff == null || maxBackoff == null || budget == null
                || initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0 || budget.isNegative()) {
            throw new IllegalArgumentException("a retry policy needs maxAttempts >= 1, 0 <= initialBackoff <= "
                    + "maxBackoff and budget >= 0; got " + maxAttempts + " attempts, backoff " + initialBackoff
                    + " to " + maxBackoff + ", budget " + budget);
        }
    }

    /** This policy with {@code attempts} requests in a row at most. */
    public RetryPolicy withMaxAttempts(int attempts) {
        return new RetryPolicy(attempts, initialBackoff, maxBackoff, budget);
    }

    /** This policy with a series of attempts bounded by {@code limit}. */
    public RetryPolicy withBudget(Duration limit) {
        return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, limit);
    }

    // ---------------------------------------------------------------- what is retried

    /** Whether an answer with this HTTP status is worth another try (408, 429, 5xx but 501 and 505). */
    public static boolean isRetryable(int status) {
        return status == 408 || status == 429 || (status >= 500 && status <= 599 && status != 501 && status != 505);
    }

    /**
     * Whether a failed exchange is worth another try: I/O failures and timeouts are, except an unknown host, a
     * TLS failure and an interruption. A TLS exception caused by a dropped connection counts as the drop, since
     * the JDK reports a reset during a TLS read that way.
     */
    public static boolean isRetryable(Throwable failure) {
        if (isTimeout(failure)) {
            return true;
        }
        if (!(failure instanceof IOException) || failure instanceof InterruptedIOException
                || failure instanceof ClosedByInterruptException || hasUnknownHost(failure)) {
            return false;
        }
        if (failure instanceof SSLException) {
            Throwable cause = failure.getCause();
            return cause instanceof IOException && !(cause instanceof SSLException) && isRetryable(cause);
        }
        return true;
    }

    private static boolean isTimeout(Throwable failure) {
        return failure instanceof SocketTimeoutException || failure instanceof HttpTimeoutException
                || failure instanceof TimeoutException;
    }

    private static boolean hasUnknownHost(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- how long to wait

    /**
     * The wait before retry {@code retry} (1 = the first retry): equal jitter around the doubled base, raised to
     * {@code retryAfter} when that is longer.
     *
     * @param retryAfter the server's {@code Retry-After}, or null
     */
    public Duration delay(int retry, Duration retryAfter, Random random) {
        double base = Math.min(maxBackoff.toNanos(), initialBackoff.toNanos() * Math.pow(2, retry - 1));
        Duration wait = Duration.ofNanos((long) (base / 2 + random.nextDouble() * base / 2));
        return retryAfter != null && retryAfter.compareTo(wait) > 0 ? retryAfter : wait;
    }

    /** A {@code Retry-After} value as a duration from {@code now}, or null when absent or unreadable. */
    public static Duration parseRetryAfter(String header, Instant now) {
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

    // ---------------------------------------------------------------- one operation

    /** A series of attempts under this policy, starting now, its jitter from a thread-local generator. */
    public Attempts start() {
        return start(ThreadLocalRandom.current());
    }

    /** A series of attempts under this policy, starting now, its jitter from {@code random}. */
    public Attempts start(Random random) {
        return new Attempts(random, System::nanoTime);
    }

    /** As {@link #start(Random)} on the clock {@code nanoTime} (tests). */
    Attempts start(Random random, LongSupplier nanoTime) {
        return new Attempts(random, nanoTime);
    }

    /** One operation's way through the policy; the caller makes the requests and sleeps the waits. */
    public final class Attempts {
        private final Random random;
        private final LongSupplier nanoTime;
        private long seriesStart;
        private int failures;
        private boolean budgetSpent;

        private Attempts(Random random, LongSupplier nanoTime) {
            this.random = random;
            this.nanoTime = nanoTime;
            this.seriesStart = nanoTime.getAsLong();
        }

        /**
         * Records a retryable failure and answers how long to wait before the next request, or null when the
         * policy gives up: {@link #maxAttempts} requests failed in a row, or the wait would end after the budget.
         *
         * @param retryAfter the server's {@code Retry-After}, or null
         */
        public Duration next(Duration retryAfter) {
            failures++;
            if (failures >= maxAttempts) {
                return null;
            }
            Duration wait = delay(failures, retryAfter, random);
            Duration left = budget.minusNanos(nanoTime.getAsLong() - seriesStart);
            if (wait.compareTo(left) > 0) { // compared, not added: a Retry-After may be years
                budgetSpent = true;
                return null;
            }
            return wait;
        }

        /** The caller made progress since the last failure: the next failure is the first of a new series. */
        public void progressed() {
            failures = 0;
            budgetSpent = false;
            seriesStart = nanoTime.getAsLong();
        }

        /** Failed requests in the current series. */
        public int failures() {
            return failures;
        }

        /** The most retries after a first failure, {@code maxAttempts - 1}. */
        public int maxRetries() {
            return maxAttempts - 1;
        }

        /**
         * Why {@link #next} gave up, for messages: "gave up after 4 attempts", with ": the retry budget of 300 s is
         * spent" when the budget ended the series.
         */
        public String givingUp() {
            String text = "gave up after " + failures + (failures == 1 ? " attempt" : " attempts");
            return budgetSpent ? text + ": the retry budget of " + seconds(budget) + " is spent" : text;
        }
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.3g s", d.toNanos() / 1e9);
    }
}
