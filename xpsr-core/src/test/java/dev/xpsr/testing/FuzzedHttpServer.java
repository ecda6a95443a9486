package dev.xpsr.testing;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * An HTTP server on 127.0.0.1 whose answers come from the fuzzer: for each request, the current {@link #answer}
 * function gives the status, headers and body. Unlike the recording fakes of the client tests it keeps nothing,
 * so that millions of executions do not fill the heap. It runs until the JVM exits.
 *
 * <p>Jazzer's SSRF sanitizer reports every connection the code under test opens unless a policy allows it: these
 * servers are the only places a harness may connect to.
 */
public final class FuzzedHttpServer {
    private static final Set<Integer> PORTS = ConcurrentHashMap.newKeySet();

    /**
     * Allows connections to these servers only. Called at every execution: in fuzzing mode Jazzer drops a policy
     * set once when the class loads, and reports the harness's own connections.
     */
    public static void allowOnlyTheseServers() {
        BugDetectors.allowNetworkConnections((host, port) -> PORTS.contains(port)
                && (host.equals("127.0.0.1") || host.equals("localhost")));
    }

    /** One request as received. */
    public record Request(String method, String path) {
    }

    /** One answer; headers the JDK server refuses (control characters) are dropped. */
    public record Answer(int status, List<String[]> headers, byte[] body) {
        /**
         * An answer from text: a first line holding the status (anything else: 200), then "Name: value" lines;
         * the body is given separately.
         */
        public static Answer parse(byte[] head, byte[] body) {
            String[] lines = new String(head, StandardCharsets.ISO_8859_1).split("\r?\n");
            int status = 200;
            try {
                status = Integer.parseInt(lines[0].strip());
            } catch (NumberFormatException e) {
                // keep 200: the fuzzer has not found a status line yet
            }
            List<String[]> headers = new ArrayList<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.add(new String[] {lines[i].substring(0, colon).strip(), lines[i].substring(colon + 1)
                            .strip()});
                }
            }
            return new Answer(status < 100 || status > 599 ? 200 : status, headers, body);
        }
    }

    private final HttpServer server;
    private volatile Function<Request, Answer> answer = r -> new Answer(404, List.of(), new byte[0]);

    public FuzzedHttpServer() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "fuzzed-http");
            t.setDaemon(true);
            return t;
        });
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
        PORTS.add(server.getAddress().getPort());
    }

    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** What the next requests get. */
    public void answer(Function<Request, Answer> answer) {
        allowOnlyTheseServers();
        this.answer = answer;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            Answer a = answer.apply(new Request(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath()));
            for (String[] h : a.headers()) {
                try {
                    exchange.getResponseHeaders().add(h[0], h[1]);
                } catch (IllegalArgumentException refusedByTheJdk) {
                    // a header the JDK will not send; a real server could, but the client never sees it here
                }
            }
            boolean noBody = exchange.getRequestMethod().equals("HEAD") || a.body().length == 0;
            exchange.sendResponseHeaders(a.status(), noBody ? -1 : a.body().length);
            if (!noBody) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(a.body());
                }
            }
        } catch (IOException | RuntimeException clientWentAway) {
            // the client gave up (timeout, refused body); nothing left to answer
        }
    }
}
