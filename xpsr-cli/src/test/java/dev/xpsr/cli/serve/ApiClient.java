package dev.xpsr.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** A plain HTTP client of the server's API, as any program would call it (multipart uploads, JSON, SSE). */
final class ApiClient {
    static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final URI base;
    private final Optional<String> token;

    ApiClient(URI base) {
        this(base, Optional.empty());
    }

    private ApiClient(URI base, Optional<String> token) {
        this.base = base;
        this.token = token;
    }

    ApiClient withToken(String t) {
        return new ApiClient(base, Optional.of(t));
    }

    /** {@code POST /api/jobs} with the image as part {@code image} and, when not null, the options part. */
    HttpResponse<String> submit(byte[] image, String fileName, String options) {
        return send(submitRequest(image, fileName, options));
    }

    CompletableFuture<HttpResponse<String>> submitAsync(byte[] image, String fileName, String options) {
        return http.sendAsync(submitRequest(image, fileName, options), HttpResponse.BodyHandlers.ofString());
    }

    HttpRequest submitRequest(byte[] image, String fileName, String options) {
        return multipart("/api/jobs", image, fileName, options);
    }

    HttpRequest multipart(String path, byte[] image, String fileName, String options) {
        String boundary = "xpsr-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        part(body, boundary, "image", fileName, image);
        if (options != null) {
            part(body, boundary, "options", null, options.getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return request(path).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build();
    }

    private static void part(ByteArrayOutputStream out, String boundary, String name, String fileName, byte[] data) {
        String head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\""
                + (fileName != null ? "; filename=\"" + fileName + "\"\r\nContent-Type: application/octet-stream"
                : "") + "\r\n\r\n";
        out.writeBytes(head.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(data);
        out.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
    }

    HttpResponse<String> get(String path) {
        return send(request(path).GET().build());
    }

    HttpResponse<byte[]> getBytes(String path) {
        try {
            return http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> delete(String path) {
        return send(request(path).DELETE().build());
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60));
        token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        return b;
    }

    /** The job of {@code GET /api/jobs/{id}}. */
    JsonNode job(String id) {
        return json(get("/api/jobs/" + id));
    }

    /** Polls the job until {@code done} holds (or fails after {@code timeout}, naming the job's last state). */
    JsonNode await(String id, Predicate<JsonNode> done, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode job = job(id);
        while (!done.test(job)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("job " + id + " did not get there within " + timeout + "; it is " + job);
            }
            Thread.sleep(50);
            job = job(id);
        }
        return job;
    }

    /** Waits until the job reached a final state. */
    JsonNode awaitFinished(String id, Duration timeout) throws InterruptedException {
        return await(id, j -> List.of("done", "failed", "cancelled").contains(j.get("state").asText()), timeout);
    }

    /** An event of a server-sent event stream. */
    record Event(String id, String name, JsonNode data) {
    }

    /** Follows {@code GET /api/jobs/{id}/events} until the server ends the stream; returns every event in order. */
    List<Event> events(String id) {
        HttpRequest r = request("/api/jobs/" + id + "/events").header("Accept", "text/event-stream")
                .timeout(Duration.ofMinutes(3)).GET().build();
        HttpResponse<Stream<String>> response;
        try {
            response = http.send(r, HttpResponse.BodyHandlers.ofLines());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (response.statusCode() != 200) {
            throw new AssertionError("events of " + id + ": HTTP " + response.statusCode());
        }
        List<Event> events = new ArrayList<>();
        String eventId = null;
        String name = null;
        StringBuilder data = new StringBuilder();
        for (Iterator<String> lines = response.body().iterator(); lines.hasNext(); ) {
            String line = lines.next();
            if (line.isEmpty()) {
                if (name != null) {
                    events.add(new Event(eventId, name, parse(data.toString())));
                }
                eventId = null;
                name = null;
                data.setLength(0);
            } else if (line.startsWith("id: ")) {
                eventId = line.substring(4);
            } else if (line.startsWith("event: ")) {
                name = line.substring(7);
            } else if (line.startsWith("data: ")) {
                data.append(line.substring(6));
            }
        }
        return events;
    }

    static JsonNode json(HttpResponse<String> response) {
        return parse(response.body());
    }

    static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }
}
