package dev.xpsr.hub;

import dev.xpsr.net.RetryPolicy;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The HTTP exchanges with the hub, following huggingface_hub 0.20's {@code _request_wrapper} /
 * {@code get_hf_file_metadata} / {@code http_get}:
 *
 * <ul>
 *   <li>{@link #head}: redirects are not followed, except relative ones (a renamed repository answers
 *       {@code 307 Location: /new/name/...}); an absolute redirect, which for an LFS file points at the CDN, is
 *       returned as is, since its own headers carry the file's metadata;</li>
 *   <li>{@link #get}: every redirect is followed, keeping a {@code Range} header;</li>
 *   <li>the token goes only to the endpoint's own scheme, host and port, on every hop. (huggingface_hub 0.21+
 *       drops it when the download URL's host differs from the hub's, and {@code requests} strips it on
 *       cross-host redirects; 0.20 dropped it for every redirected download.)</li>
 *   <li>{@code Accept-Encoding: identity}, so byte counts and {@code Range} offsets refer to the file itself;</li>
 *   <li>failures are retried by the project's shared {@link RetryPolicy}: 408, 429 and 5xx answers (honouring
 *       {@code Retry-After}), connection failures and timeouts; an unknown host, a TLS failure or another 4xx
 *       is final.</li>
 * </ul>
 *
 * <p>{@link HttpURLConnection} rather than {@code java.net.http.HttpClient}: its read timeout bounds every read
 * of the body, like {@code requests}' timeout, whereas HttpClient's only bounds the wait for the headers, so a
 * stalled multi-GB download would hang forever.
 */
final class HubHttp {
    private static final int MAX_REDIRECTS = 10;
    private static final String USER_AGENT = "xpsr-java; java/" + Runtime.version().feature();

    private final URI endpoint;
    private final String token;
    private final RetryPolicy retry;
    private final DownloadListener listener;

    HubHttp(HubSettings settings, RetryPolicy retry, DownloadListener listener) {
        this.endpoint = URI.create(settings.endpoint());
        this.token = settings.token().orElse(null);
        this.retry = retry;
        this.listener = listener;
    }

    /** A HEAD request for metadata: relative redirects followed, absolute ones returned. */
    Response head(URI url, Duration timeout) throws IOException {
        return follow("HEAD", url, Map.of(), timeout, true);
    }

    /** A GET following redirects; {@code from > 0} asks for the bytes from that offset on. */
    Response get(URI url, long from, Duration timeout) throws IOException {
        return follow("GET", url, from > 0 ? Map.of("Range", "bytes=" + from + "-") : Map.of(), timeout, false);
    }

    private Response follow(String method, URI url, Map<String, String> headers, Duration timeout,
            boolean relativeOnly) throws IOException {
        Response r = send(method, url, headers, timeout);
        for (int hops = 0; ; hops++) {
            URI next;
            try {
                next = redirectTarget(r, relativeOnly);
            } catch (HubException e) {
                r.close();
                throw e;
            }
            if (next == null) {
                return r;
            }
            r.close();
            if (hops == MAX_REDIRECTS) {
                throw tooManyRedirects(url);
            }
            r = send(method, next, headers, timeout);
        }
    }

    /**
     * Where a redirect leads, or null to stop at this answer. Python's test for "relative" is a Location
     * without a network location ({@code netloc}).
     */
    private static URI redirectTarget(Response r, boolean relativeOnly) throws HubException {
        String location = r.header("Location");
        if (!isRedirect(r.status()) || location == null
                || (relativeOnly && parseLocation(location, r.url()).getRawAuthority() != null)) {
            return null;
        }
        return r.location();
    }

    /** Whether a request to {@code url} carries the token: only to the endpoint's own origin. */
    boolean sendsTokenTo(URI url) {
        return token != null && isHub(url);
    }

    private Response send(String method, URI url, Map<String, String> headers, Duration timeout)
            throws IOException {
        RetryPolicy.Attempts attempts = retry.start();
        while (true) {
            Duration wait;
            String reason;
            try {
                Response r = open(method, url, headers, timeout);
                if (!RetryPolicy.isRetryable(r.status())) {
                    return r;
                }
                wait = attempts.next(retryAfter(r));
                if (wait == null) {
                    return r; // the last answer: the caller turns its status into an error
                }
                r.close();
                reason = "HTTP " + r.status();
            } catch (IOException e) {
                if (!RetryPolicy.isRetryable(e)) {
                    int made = attempts.failures() + 1;
                    throw unreachable(method, url, e, made + (made == 1 ? " attempt" : " attempts"));
                }
                wait = attempts.next(null);
                if (wait == null) {
                    throw unreachable(method, url, e, attempts.givingUp());
                }
                reason = e.toString();
            }
            pause(method + " " + describe(url), attempts, wait, reason);
        }
    }

    private static Duration retryAfter(Response r) {
        return RetryPolicy.parseRetryAfter(r.header("Retry-After"), Instant.now());
    }

    private Response open(String method, URI url, Map<String, String> headers, Duration timeout)
            throws IOException {
        HttpURLConnection conn = (HttpURLConnection) url.toURL().openConnection();
        conn.setRequestMethod(method);
        conn.setInstanceFollowRedirects(false);
        conn.setUseCaches(false);
        conn.setConnectTimeout(millis(timeout));
        conn.setReadTimeout(millis(timeout));
        conn.setRequestProperty("User-Agent", USER_AGENT);
        conn.setRequestProperty("Accept-Encoding", "identity");
        headers.forEach(conn::setRequestProperty);
        if (sendsTokenTo(url)) {
            conn.setRequestProperty("Authorization", "Bearer " + token);
        }
        try {
            return new Response(conn, conn.getResponseCode(), url);
        } catch (IOException e) {
            conn.disconnect();
            throw e;
        }
    }

    /** Waits {@code wait} before the next of {@code attempts}, telling the listener. */
    void pause(String request, RetryPolicy.Attempts attempts, Duration wait, String reason)
            throws InterruptedIOException {
        listener.retrying(request, attempts.failures(), attempts.maxRetries(), wait, reason);
        try {
            Thread.sleep(wait.toMillis(), wait.toNanosPart() % 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to retry " + request);
        }
    }

    RetryPolicy retryPolicy() {
        return retry;
    }

    private static HubException unreachable(String method, URI url, IOException e, String attempts) {
        return new HubException(HubException.Kind.NETWORK, -1, "Could not reach " + url.getHost() + " for "
                + method + " " + describe(url) + " (" + attempts + "): " + e, e);
    }

    private static HubException tooManyRedirects(URI url) {
        return new HubException(HubException.Kind.PROTOCOL, "More than " + MAX_REDIRECTS
                + " redirects starting from " + describe(url));
    }

    /**
     * A URL for messages: without its query, since a CDN URL's query is a signed, short-lived credential
     * (huggingface_hub's own log lines do show it).
     */
    static String describe(URI url) {
        String s = url.toString();
        int query = s.indexOf('?');
        return query < 0 ? s : s.substring(0, query);
    }

    /** Whether {@code url} is on the endpoint's scheme, host and port. */
    boolean isHub(URI url) {
        return sameOrigin(url, endpoint);
    }

    private static boolean isRedirect(int status) {
        return status >= 300 && status <= 399;
    }

    /** {@code location} as a URI; a malformed one is the server's fault, named with the request it answered. */
    private static URI parseLocation(String location, URI from) throws HubException {
        try {
            return new URI(location);
        } catch (URISyntaxException e) {
            throw new HubException(HubException.Kind.PROTOCOL, -1, from.getHost() + " answered " + describe(from)
                    + " with a malformed redirect Location '" + location + "' (" + e.getReason() + ")", null);
        }
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme() != null && a.getScheme().equalsIgnoreCase(b.getScheme())
                && a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost()) && port(a) == port(b);
    }

    private static int port(URI u) {
        if (u.getPort() != -1) {
            return u.getPort();
        }
        return "https".equals(u.getScheme().toLowerCase(Locale.ROOT)) ? 443 : 80;
    }

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
    }

    /** One HTTP answer; closing it releases the connection. */
    static final class Response implements AutoCloseable {
        private final HttpURLConnection conn;
        private final int status;
        private final URI url;

        private Response(HttpURLConnection conn, int status, URI url) {
            this.conn = conn;
            this.status = status;
            this.url = url;
        }

        int status() {
            return status;
        }

        /** The URL this answer came from (after relative redirects, the last one). */
        URI url() {
            return url;
        }

        /** A header, looked up without regard to case; null when absent. */
        String header(String name) {
            return conn.getHeaderField(name);
        }

        /** {@code Content-Length}, or -1. */
        long contentLength() {
            return conn.getContentLengthLong();
        }

        /** The {@code Location} header resolved against this URL, or null. */
        URI location() throws HubException {
            String location = header("Location");
            return location == null ? null : url.resolve(parseLocation(location, url));
        }

        InputStream body() throws IOException {
            return Objects.requireNonNull(conn.getInputStream());
        }

        @Override
        public void close() {
            conn.disconnect();
        }
    }
}
