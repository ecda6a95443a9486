package dev.xpsr.server;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.xpsr.api.Method;
import dev.xpsr.testing.FuzzContract;
import io.javalin.Javalin;
import org.junit.jupiter.api.Timeout;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes what a client may send to {@code POST /api/jobs} and {@code POST /api/prompts}: the multipart body (read
 * by Jetty, then {@link Uploads}), the image part ({@link ImageUpload#inspect}) and the options part
 * ({@link JobOptions#parse}). Any request gives an accepted upload or a 4xx {@link ApiException} whose message says
 * what was wrong; a 500 (an exception the server did not expect) is a finding, as are a hang and an
 * {@code OutOfMemoryError}. The multipart harness runs the submit handler's reading steps on a real Javalin
 * server, without queuing a job.
 */
class ServerRequestFuzzTest {
    private static final String BOUNDARY = "xpsr-fuzz-boundary";
    private static final Set<Method> METHODS = EnumSet.allOf(Method.class);
    private static final ServerLimits LIMITS = ServerLimits.DEFAULTS.withMaxUploadBytes(1 << 20)
            .withMaxPixels(1 << 20);
    private static final Path SPILL = FuzzContract.scratch("server");
    /** What the handler threw that was not an {@link ApiException}: the finding, rethrown in the harness. */
    private static final AtomicReference<Exception> UNEXPECTED = new AtomicReference<>();
    private static final Javalin SERVER = startServer();

    @Timeout(30)
    @FuzzTest
    void multipartBodiesGiveAnUploadOrA4xx(byte[] body) throws Exception {
        // at every execution: in fuzzing mode Jazzer drops a policy set once, and reports the connection
        BugDetectors.allowNetworkConnections((host, port) -> port == SERVER.port()
                && (host.equals("127.0.0.1") || host.equals("localhost")));
        UNEXPECTED.set(null);
        String answer = post(body);
        if (UNEXPECTED.get() != null) {
            throw UNEXPECTED.get();
        }
        assertThat(answer).startsWith("HTTP/1.1 ");
        assertThat(Integer.parseInt(answer.substring(9, 12))).as(answer).isIn(200, 400, 413, 415);
    }

    /**
     * The answer to {@code body} posted on a connection of its own ({@code Connection: close}): a pooled
     * connection the server closed after a refusal would fail the next request for the client's reasons.
     */
    private static String post(byte[] body) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", SERVER.port())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary="
                    + BOUNDARY + "\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Timeout(10)
    @FuzzTest
    void optionsGiveSettingsOrA400NamingTheField(byte[] part) {
        String json = new String(part, StandardCharsets.UTF_8); // as Uploads.text reads the part
        JobOptions options;
        try {
            options = JobOptions.parse(json, METHODS, Method.XPSR, LIMITS);
        } catch (ApiException refused) {
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.getMessage()).startsWith("options");
            return;
        }
        // what is stored with a job must read back as the same options
        assertThat(JobOptions.parse(options.toJson(), METHODS, Method.XPSR, LIMITS).toJson())
                .isEqualTo(options.toJson());
    }

    @Timeout(10)
    @FuzzTest
    void imagesGiveTheirHeaderSizeOrA4xxNamingTheFile(byte[] bytes) {
        ImageUpload upload;
        try {
            upload = ImageUpload.inspect(bytes, "upload.png", LIMITS.maxPixels());
        } catch (ApiException refused) {
            assertThat(refused.status()).isIn(400, 413, 415);
            assertThat(refused.getMessage()).contains("'upload.png'");
            return;
        }
        assertThat(upload.width()).isPositive();
        assertThat(upload.height()).isPositive();
        assertThat((long) upload.width() * upload.height()).isLessThanOrEqualTo(LIMITS.maxPixels());
    }

    /** The reading steps of {@code JobsApi.submit}, on a server of its own, with the server's error mapping. */
    private static Javalin startServer() {
        Uploads uploads = new Uploads(LIMITS, SPILL);
        return Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.routes.post("/api/jobs", ctx -> {
                uploads.checkLength(ctx);
                ImageUpload image = uploads.image(ctx);
                JobOptions options = JobOptions.parse(uploads.text(ctx, "options").orElse(null), METHODS,
                        Method.XPSR, LIMITS);
                ctx.result(image.width() + "x" + image.height() + " " + options.toJson());
            });
            cfg.routes.exception(ApiException.class, (e, ctx) -> ctx.status(e.status()).result(e.getMessage()));
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                UNEXPECTED.set(e);
                ctx.status(500);
            });
        }).start("127.0.0.1", 0);
    }
}
