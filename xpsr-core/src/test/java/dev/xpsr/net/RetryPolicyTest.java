package dev.xpsr.net;

import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The retry rules shared by the hub client and the caption clients, on a clock the test moves. */
class RetryPolicyTest {
    private static final RetryPolicy POLICY = new RetryPolicy(4, Duration.ofMillis(100), Duration.ofMillis(1000),
            Duration.ofSeconds(10));
    private final AtomicLong clock = new AtomicLong();

    private RetryPolicy.Attempts start(RetryPolicy policy) {
        return policy.start(new Random(3), clock::get);
    }

    @Test
    void requestTimeoutRateLimitAndServerErrorsAreRetriedOtherStatusesAreFinal() {
        for (int status : new int[] {408, 429, 500, 502, 503, 504, 599}) {
            assertThat(RetryPolicy.isRetryable(status)).as("HTTP " + status).isTrue();
        }
        for (int status : new int[] {200, 206, 304, 400, 401, 403, 404, 409, 416, 501, 505}) {
            assertThat(RetryPolicy.isRetryable(status)).as("HTTP " + status).isFalse();
        }
    }

    @Test
    void droppedConnectionsAndTimeoutsAreRetried() {
        Throwable[] retried = {new ConnectException("Connection refused"), new SocketException("Connection reset"),
                new EOFException("closed after 10 of 20 bytes"),
                new IOException("HTTP/1.1 header parser received no bytes"),
                new SocketTimeoutException("Read timed out"), new HttpTimeoutException("request timed out"),
                new HttpConnectTimeoutException("connect timed out"), new TimeoutException(),
                new SSLException("read failed", new SocketException("Connection reset"))};
        for (Throwable t : retried) {
            assertThat(RetryPolicy.isRetryable(t)).as(t.toString()).isTrue();
        }
    }

    @Test
    void unknownHostsTlsFailuresInterruptionsAndProgrammingErrorsAreFinal() {
        ConnectException unresolved = new ConnectException("no address");
        unresolved.initCause(new UnresolvedAddressException());
        Throwable[] finals = {new UnknownHostException("hub.invalid"), unresolved,
                new SSLHandshakeException("PKIX path building failed"), new SSLException("bad record MAC"),
                new InterruptedIOException("interrupted"), new ClosedByInterruptException(),
                new IllegalStateException("bug")};
        for (Throwable t : finals) {
            assertThat(RetryPolicy.isRetryable(t)).as(t.toString()).isFalse();
        }
    }

    @Test
    void waitsDoubleWithEqualJitterUpToTheCap() {
        Random random = new Random(3);
        long[] bases = {100, 200, 400, 800, 1000, 1000};
        for (int retry = 1; retry <= bases.length; retry++) {
            for (int i = 0; i < 50; i++) {
                long ms = POLICY.delay(retry, null, random).toMillis();
                assertThat(ms).as("retry " + retry).isBetween(bases[retry - 1] / 2, bases[retry - 1]);
            }
        }
    }

    @Test
    void retryAfterRaisesTheWaitButNeverLowersIt() {
        Random random = new Random(3);
        assertThat(POLICY.delay(1, Duration.ofSeconds(3), random)).isEqualTo(Duration.ofSeconds(3));
        assertThat(POLICY.delay(6, Duration.ofMillis(1), random).toMillis()).isBetween(500L, 1000L);
    }

    @Test
    void retryAfterIsReadAsSecondsOrAnHttpDate() {
        Instant now = Instant.parse("2025-01-01T00:00:00Z");
        assertThat(RetryPolicy.parseRetryAfter("7", now)).isEqualTo(Duration.ofSeconds(7));
        assertThat(RetryPolicy.parseRetryAfter(" 0 ", now)).isEqualTo(Duration.ZERO);
        assertThat(RetryPolicy.parseRetryAfter("Wed, 01 Jan 2025 00:00:30 GMT", now)).isEqualTo(Duration.ofSeconds(30));
        assertThat(RetryPolicy.parseRetryAfter("Tue, 31 Dec 2024 23:00:00 GMT", now)).isEqualTo(Duration.ZERO);
        assertThat(RetryPolicy.parseRetryAfter("-3", now)).isNull();
        assertThat(RetryPolicy.parseRetryAfter("soon", now)).isNull();
        assertThat(RetryPolicy.parseRetryAfter(null, now)).isNull();
    }

    @Test
    void aSeriesGivesUpAfterMaxAttemptsFailures() {
        RetryPolicy.Attempts attempts = start(POLICY);

        assertThat(attempts.next(null)).isNotNull();
        assertThat(attempts.next(null)).isNotNull();
        assertThat(attempts.next(null)).isNotNull();
        assertThat(attempts.next(null)).as("the 4th failure of 4 attempts").isNull();

        assertThat(attempts.failures()).isEqualTo(4);
        assertThat(attempts.maxRetries()).isEqualTo(3);
        assertThat(attempts.givingUp()).isEqualTo("gave up after 4 attempts");
        assertThat(start(RetryPolicy.NONE).next(null)).isNull();
    }

    @Test
    void progressStartsANewSeries() {
        RetryPolicy.Attempts attempts = start(POLICY);
        for (int i = 0; i < 3; i++) {
            attempts.next(null);
        }

        attempts.progressed();

        assertThat(attempts.failures()).isZero();
        assertThat(attempts.next(null)).isNotNull();
        assertThat(attempts.failures()).isEqualTo(1);
    }

    @Test
    void noWaitEndsAfterTheBudget() {
        // backoff of 1 ms at most, so the Retry-After values set the waits
        RetryPolicy.Attempts attempts = start(new RetryPolicy(1000, Duration.ofMillis(1), Duration.ofMillis(1),
                Duration.ofSeconds(10)));
        clock.set(Duration.ofMillis(9_950).toNanos());

        assertThat(attempts.next(Duration.ofMillis(40))).as("ends at 9.99 s").isEqualTo(Duration.ofMillis(40));
        assertThat(attempts.next(Duration.ofMillis(60))).as("would end at 10.01 s").isNull();
        assertThat(attempts.givingUp()).isEqualTo("gave up after 2 attempts: the retry budget of 10.0 s is spent");
    }

    @Test
    void aRetryAfterOfYearsGivesUpAtOnceWithoutOverflow() {
        RetryPolicy.Attempts attempts = start(POLICY);

        assertThat(attempts.next(RetryPolicy.parseRetryAfter("99999999999999", Instant.EPOCH))).isNull();
        assertThat(attempts.givingUp()).contains("gave up after 1 attempt:", "budget");
    }

    @Test
    void progressRenewsTheBudget() {
        RetryPolicy.Attempts attempts = start(POLICY);
        clock.set(Duration.ofSeconds(30).toNanos());

        attempts.progressed();

        assertThat(attempts.next(Duration.ofSeconds(9))).isEqualTo(Duration.ofSeconds(9));
    }

    @Test
    void nonsensicalPoliciesAreRefusedWithTheirValues() {
        assertThatThrownBy(() -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0 attempts");
        assertThatThrownBy(() -> new RetryPolicy(3, Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT2S to PT1S");
        assertThatThrownBy(() -> RetryPolicy.DEFAULT.withBudget(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("budget PT-1S");
    }
}
