package dev.xpsr.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for huggingface.co on 127.0.0.1, answering as the real hub does:
 *
 * <ul>
 *   <li>{@code HEAD/GET /{org}/{name}/resolve/{revision}/{path}}: a regular file answers 200 with
 *       {@code ETag: "<git sha1>"}, {@code X-Repo-Commit}, {@code Content-Length}; an LFS file answers 302 to
 *       {@code http://{lfsHost}:{port}/lfs/{sha256}} with {@code X-Linked-Etag: "<sha256>"},
 *       {@code X-Linked-Size}, {@code X-Repo-Commit} and an unrelated {@code ETag} (the pointer file's);</li>
 *   <li>{@code GET /lfs/{sha256}}: the content, honouring {@code Range: bytes=N-} with 206 (or 416);</li>
 *   <li>{@code GET /api/models/{org}/{name}/revision/{revision}}: {@code {"id", "sha", "siblings"}};</li>
 *   <li>errors with the hub's {@code X-Error-Code}: unknown repo 401 {@code RepoNotFound}, unknown revision
 *       404 {@code RevisionNotFound}, unknown file 404 {@code EntryNotFound}, missing token 401;</li>
 *   <li>a renamed repository answers 307 with a relative {@code Location}.</li>
 * </ul>
 *
 * <p>Faults can be injected per request (a status, or a connection dropped mid-body), and every request is
 * recorded. The server stops on {@link #close()}, and by itself after two minutes should a test forget.
 */
final class FakeHub implements AutoCloseable {
    static final String MAIN = "main";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request as received. */
    record Request(String method, String rawPath, String host, String authorization, String range, long nanos) {
    }

    /** A file: {@code served} differs from {@code content} only for a deliberately corrupt LFS file. */
    record FileEntry(byte[] content, byte[] served, boolean lfs) {
        String sha256() {
            return hex("SHA-256", content);
        }

        String gitSha1() {
            byte[] header = ("blob " + content.length + "\0").getBytes(StandardCharsets.UTF_8);
            byte[] all = Arrays.copyOf(header, header.length + content.length);
            System.arraycopy(content, 0, all, header.length, content.length);
            return hex("SHA-1", all);
        }
    }

    /** A repository at one commit of {@code main}. */
    static final class Repo {
        final String id;
        volatile String commit;
        final Map<String, FileEntry> files = new ConcurrentHashMap<>();
        volatile String requiredToken;
        volatile int deniedStatus = 401;
        volatile String deniedCode = "RepoNotFound";

        Repo(String id, String commit) {
            this.id = id;
            this.commit = commit;
        }

        Repo file(String path, String text) {
            return file(path, text.getBytes(StandardCharsets.UTF_8), false);
        }

        Repo file(String path, byte[] content, boolean lfs) {
            files.put(path, new FileEntry(content, content, lfs));
            return this;
        }

        /** An LFS file whose served bytes differ from the content its sha256 announces. */
        Repo corruptLfsFile(String path, byte[] announced, byte[] served) {
            files.put(path, new FileEntry(announced, served, true));
            return this;
        }

        /** Without this bearer token, answers {@code status} with {@code X-Error-Code: code}. */
        Repo requireToken(String token, int status, String code) {
            this.requiredToken = token;
            this.deniedStatus = status;
            this.deniedCode = code;
            return this;
        }
    }

    /** A fault for the next {@code times} requests whose method matches and whose raw path contains a part. */
    private static final class Fault {
        final String method;
        final String pathPart;
        int times;
        final int status;
        final String retryAfter;
        final int dropAfterBytes;

        Fault(String method, String pathPart, int times, int status, String retryAfter, int dropAfterBytes) {
            this.method = method;
            this.pathPart = pathPart;
            this.times = times;
            this.status = status;
            this.retryAfter = retryAfter;
            this.dropAfterBytes = dropAfterBytes;
        }
    }

    private final HttpServer server;
    private final ExecutorService handlers;
    private final ScheduledExecutorService watchdog;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, Repo> repos = new ConcurrentHashMap<>();
    private final Map<String, String> renamed = new ConcurrentHashMap<>();
    private final Map<String, FileEntry> lfsObjects = new ConcurrentHashMap<>();
    private final List<Fault> faults = new ArrayList<>();
    private volatile String lfsHost = "127.0.0.1";
    private volatile boolean honourRange = true;

    private FakeHub() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        handlers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-hub");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(handlers);
        server.createContext("/", this::handle);
        watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fake-hub-watchdog");
            t.setDaemon(true);
            return t;
        });
        watchdog.schedule(this::close, 2, TimeUnit.MINUTES);
        server.start();
    }

    static FakeHub start() throws IOException {
        return new FakeHub();
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    int port() {
        return server.getAddress().getPort();
    }

    Repo repo(String id, String commit) {
        Repo repo = new Repo(id, commit);
        repos.put(id, repo);
        return repo;
    }

    /** Requests for {@code oldId} answer 307 to {@code newId}, with a relative Location. */
    void rename(String oldId, String newId) {
        renamed.put(oldId, newId);
    }

    /** The host name LFS redirects point at: "localhost" makes the CDN another host than 127.0.0.1. */
    void lfsHost(String host) {
        this.lfsHost = host;
    }

    /** false: Range headers are ignored and the whole file is sent with 200. */
    void honourRange(boolean honour) {
        this.honourRange = honour;
    }

    /** The next {@code times} matching requests answer {@code status} with an empty body. */
    synchronized void failWith(String method, String pathPart, int times, int status) {
        failWith(method, pathPart, times, status, null);
    }

    /** As {@link #failWith(String, String, int, int)}, the answers carrying {@code Retry-After: retryAfter}. */
    synchronized void failWith(String method, String pathPart, int times, int status, String retryAfter) {
        faults.add(new Fault(method, pathPart, times, status, retryAfter, -1));
    }

    /** The next {@code times} matching downloads send their headers and {@code bytes} bytes, then hang up. */
    synchronized void dropAfter(String pathPart, int times, int bytes) {
        faults.add(new Fault("GET", pathPart, times, -1, null, bytes));
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    List<Request> requests(String method, String pathPart) {
        return requests.stream().filter(r -> r.method().equals(method) && r.rawPath().contains(pathPart)).toList();
    }

    @Override
    public void close() {
        server.stop(0);
        handlers.shutdownNow();
        watchdog.shutdownNow();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getRawPath();
            requests.add(new Request(ex.getRequestMethod(), path, ex.getRequestHeaders().getFirst("Host"),
                    ex.getRequestHeaders().getFirst("Authorization"), ex.getRequestHeaders().getFirst("Range"),
                    System.nanoTime()));
            Fault fault = takeFault(ex.getRequestMethod(), path);
            if (fault != null && fault.status > 0) {
                if (fault.retryAfter != null) {
                    ex.getResponseHeaders().set("Retry-After", fault.retryAfter);
                }
                send(ex, fault.status, new byte[0]);
            } else if (path.startsWith("/lfs/")) {
                serveLfs(ex, path.substring("/lfs/".length()), fault);
            } else if (path.startsWith("/api/models/")) {
                serveApi(ex, path.substring("/api/models/".length()));
            } else {
                serveResolve(ex, path.substring(1), fault);
            }
        }
    }

    private synchronized Fault takeFault(String method, String path) {
        for (Iterator<Fault> it = faults.iterator(); it.hasNext(); ) {
            Fault f = it.next();
            if (f.method.equals(method) && path.contains(f.pathPart)) {
                if (--f.times == 0) {
                    it.remove();
                }
                return f;
            }
        }
        return null;
    }

    /** {@code {org}/{name}/resolve/{revision}/{path...}}. */
    private void serveResolve(HttpExchange ex, String rest, Fault fault) throws IOException {
        String[] parts = rest.split("/", 5);
        if (parts.length < 5 || !parts[2].equals("resolve")) {
            send(ex, 404, new byte[0]);
            return;
        }
        String repoId = parts[0] + "/" + parts[1];
        if (renamed.containsKey(repoId)) {
            ex.getResponseHeaders().set("Location", "/" + renamed.get(repoId) + "/resolve/" + parts[3] + "/" + parts[4]);
            send(ex, 307, new byte[0]);
            return;
        }
        Repo repo = accessibleRepo(ex, repoId);
        if (repo == null || !knownRevision(ex, repo, decode(parts[3]))) {
            return;
        }
        FileEntry file = repo.files.get(decode(parts[4]));
        ex.getResponseHeaders().set("X-Repo-Commit", repo.commit);
        if (file == null) {
            ex.getResponseHeaders().set("X-Error-Code", "EntryNotFound");
            send(ex, 404, new byte[0]);
        } else if (file.lfs()) {
            redirectToLfs(ex, file);
        } else {
            ex.getResponseHeaders().set("ETag", "\"" + file.gitSha1() + "\"");
            serveBytes(ex, file.served(), fault);
        }
    }

    private void redirectToLfs(HttpExchange ex, FileEntry file) throws IOException {
        lfsObjects.put(file.sha256(), file);
        String pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:" + file.sha256() + "\nsize "
                + file.content().length + "\n";
        ex.getResponseHeaders().set("ETag", "\"" + new FileEntry(pointer.getBytes(StandardCharsets.UTF_8),
                null, false).gitSha1() + "\"");
        ex.getResponseHeaders().set("X-Linked-Etag", "\"" + file.sha256() + "\"");
        ex.getResponseHeaders().set("X-Linked-Size", Long.toString(file.content().length));
        ex.getResponseHeaders().set("Location", "http://" + lfsHost + ":" + port() + "/lfs/" + file.sha256()
                + "?response-content-disposition=attachment");
        send(ex, 302, new byte[0]);
    }

    private void serveLfs(HttpExchange ex, String sha, Fault fault) throws IOException {
        FileEntry file = lfsObjects.get(sha);
        if (file == null) {
            send(ex, 404, new byte[0]);
            return;
        }
        serveBytes(ex, file.served(), fault);
    }

    /** {@code {org}/{name}/revision/{revision}}. */
    private void serveApi(HttpExchange ex, String rest) throws IOException {
        String[] parts = rest.split("/", 4);
        String repoId = parts[0] + "/" + (parts.length > 1 ? parts[1] : "");
        Repo repo = accessibleRepo(ex, repoId);
        if (repo == null || parts.length < 4 || !knownRevision(ex, repo, decode(parts[3]))) {
            return;
        }
        ObjectNode root = JSON.createObjectNode().put("_id", "fake").put("id", repo.id).put("sha", repo.commit);
        ArrayNode siblings = root.putArray("siblings");
        new LinkedHashMap<>(repo.files).keySet().stream().sorted().forEach(f -> siblings.addObject().put("rfilename", f));
        ex.getResponseHeaders().set("Content-Type", "application/json");
        send(ex, 200, JSON.writeValueAsBytes(root));
    }

    private Repo accessibleRepo(HttpExchange ex, String repoId) throws IOException {
        Repo repo = repos.get(repoId);
        if (repo == null) {
            ex.getResponseHeaders().set("X-Error-Code", "RepoNotFound");
            ex.getResponseHeaders().set("X-Error-Message", "Repository not found");
            send(ex, 401, new byte[0]);
            return null;
        }
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (repo.requiredToken != null && !("Bearer " + repo.requiredToken).equals(auth)) {
            ex.getResponseHeaders().set("X-Error-Code", repo.deniedCode);
            send(ex, repo.deniedStatus, new byte[0]);
            return null;
        }
        return repo;
    }

    private boolean knownRevision(HttpExchange ex, Repo repo, String revision) throws IOException {
        if (revision.equals(MAIN) || revision.equals(repo.commit) || revision.equals("refs/pr/1")) {
            return true;
        }
        ex.getResponseHeaders().set("X-Error-Code", "RevisionNotFound");
        send(ex, 404, new byte[0]);
        return false;
    }

    /** 200, or 206 for {@code Range: bytes=N-}; HEAD gets the headers only; a drop fault hangs up mid-body. */
    private void serveBytes(HttpExchange ex, byte[] bytes, Fault fault) throws IOException {
        String range = ex.getRequestHeaders().getFirst("Range");
        int from = 0;
        int status = 200;
        if (range != null && honourRange && range.startsWith("bytes=") && range.endsWith("-")) {
            from = Integer.parseInt(range.substring(6, range.length() - 1));
            if (from >= bytes.length) {
                ex.getResponseHeaders().set("Content-Range", "bytes */" + bytes.length);
                send(ex, 416, new byte[0]);
                return;
            }
            status = 206;
            ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + (bytes.length - 1) + "/" + bytes.length);
        }
        byte[] body = Arrays.copyOfRange(bytes, from, bytes.length);
        if (fault != null && fault.dropAfterBytes >= 0) {
            hangUpAfter(ex, status, body, fault.dropAfterBytes);
        } else {
            send(ex, status, body);
        }
    }

    /** Promises the whole body, sends part of it, then closes the connection under the client. */
    private static void hangUpAfter(HttpExchange ex, int status, byte[] body, int bytes) throws IOException {
        ex.sendResponseHeaders(status, body.length);
        OutputStream out = ex.getResponseBody();
        out.write(body, 0, Math.min(bytes, body.length));
        out.flush();
        // Throwing out of the handler makes the server close the connection without finishing the body.
        throw new IOException("fake hub: connection dropped on purpose");
    }

    private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
        if (ex.getRequestMethod().equals("HEAD")) {
            if (status < 300) {
                ex.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
            }
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static String decode(String raw) {
        return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    static String hex(String algorithm, byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
