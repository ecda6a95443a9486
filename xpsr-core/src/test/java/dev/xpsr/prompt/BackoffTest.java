package dev.xpsr.prompt;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Exponential backoff with equal jitter, and Retry-After in both of its forms. */
class BackoffTest {
    private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofMillis(1000), new Random(3));

    @Test
    void waitsDoubleWithEqualJitterUpToTheCap() {
        long[] bases = {100, 200, 400, 800, 1000, 1000};
        for (int retry = 1; retry <= bases.length; retry++) {
            for (int i = 0; i < 50; i++) {
                long ms = backoff.delay(retry, null).toMillis();
                assertThat(ms).as("retry " + retry).isBetween(bases[retry - 1] / 2, bases[retry - 1]);
            }
        }
    }

    @Test
    void retryAfterRaisesTheWait() {
        assertThat(backoff.delay(1, Duration.ofSeconds(3))).isEqualTo(Duration.ofSeconds(3));
        assertThat(backoff.delay(6, Duration.ofMillis(1)).toMillis()).isBetween(500L, 1000L);
    }

    @Test
    void retryAfterIsReadAsSecondsOrAnHttpDate() {
        Instant now = Instant.parse("2025-01-01T00:00:00Z");
        assertThat(Backoff.parseRetryAfter("7", now)).isEqualTo(Duration.ofSeconds(7));
        assertThat(Backoff.parseRetryAfter(" 0 ", now)).isEqualTo(Duration.ZERO);
        assertThat(Backoff.parseRetryAfter("Wed, 01 Jan 2025 00:00:30 GMT", now)).isEqualTo(Duration.ofSeconds(30));
        assertThat(Backoff.parseRetryAfter("Tue, 31 Dec 2024 23:00:00 GMT", now)).isEqualTo(Duration.ZERO);
        assertThat(Backoff.parseRetryAfter("-3", now)).isNull();
        assertThat(Backoff.parseRetryAfter("soon", now)).isNull();
        assertThat(Backoff.parseRetryAfter(null, now)).isNull();
    }
}
