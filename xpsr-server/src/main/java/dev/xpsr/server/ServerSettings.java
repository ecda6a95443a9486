package dev.xpsr.server;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How {@code xpsr serve} listens and where it keeps its jobs.
 *
 * @param host        the address to bind; anything but a loopback address needs {@code token}
 * @param port        the port, 0 for any free one
 * @param dataDir     the job database and the jobs' files
 * @param token       the bearer token every API request must carry, when set
 * @param corsOrigins origins allowed to call the API from a browser page of their own (none: CORS off)
 * @param limits      what one request and the queue may hold
 * @param workers     restorations running at once
 */
public record ServerSettings(String host, int port, Path dataDir, Optional<String> token, List<String> corsOrigins,
                             ServerLimits limits, int workers) {
    public static final String LOOPBACK = "127.0.0.1";

    public ServerSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(token, "token");
        corsOrigins = List.copyOf(corsOrigins);
        Objects.requireNonNull(limits, "limits");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be between 0 and 65535, got " + port);
        }
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, got " + workers);
        }
        if (token.isPresent() && token.get().length() < 16) {
            throw new IllegalArgumentException("the bearer token must have at least 16 characters, got "
                    + token.get().length());
        }
        if (token.isEmpty() && !isLoopback(host)) {
            throw new IllegalArgumentException("binding " + host + " exposes the API beyond this machine: set a "
                    + "bearer token (--token-env VAR, VAR holding at least 16 random characters) or bind "
                    + LOOPBACK);
        }
    }

    /** Loopback, port 8080, no token, no CORS, default limits, one worker. */
    public static ServerSettings local(Path dataDir) {
        return new ServerSettings(LOOPBACK, 8080, dataDir, Optional.empty(), List.of(), ServerLimits.DEFAULTS, 1);
    }

    public ServerSettings withPort(int v) {
        return new ServerSettings(host, v, dataDir, token, corsOrigins, limits, workers);
    }

    public ServerSettings withLimits(ServerLimits v) {
        return new ServerSettings(host, port, dataDir, token, corsOrigins, v, workers);
    }

    public ServerSettings withToken(String v) {
        return new ServerSettings(host, port, dataDir, Optional.of(v), corsOrigins, limits, workers);
    }

    /** Whether {@code host} names only this machine (a loopback address or {@code localhost}). */
    static boolean isLoopback(String host) {
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("cannot resolve the host to bind, '" + host + "': " + e.getMessage());
        }
    }
}
