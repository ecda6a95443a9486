package dev.xpsr.cli.serve;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What {@code xpsr serve} exposes: loopback by default, a bearer token beyond it, CORS only when configured. */
@Timeout(300)
class ServeSecurityTest {
    static final String TOKEN = "test-token-4f1c9a7e2b";
    @TempDir
    Path tmp;

    @Test
    void bindingBeyondLoopbackWithoutATokenIsRefusedBeforeAnythingLoads() throws Exception {
        ServeProcess.Exit exit = ServeProcess.refusal(tmp.resolve("data"), List.of("--demo", "--host", "0.0.0.0"));
        assertThat(exit.code()).isEqualTo(2);
        assertThat(exit.output()).contains("binding 0.0.0.0 exposes the API beyond this machine", "--token-env");

        ServeProcess.Exit unset = ServeProcess.refusal(tmp.resolve("data"), List.of("--demo", "--token-env",
                "XPSR_TEST_UNSET_VARIABLE"));
        assertThat(unset.code()).isEqualTo(2);
        assertThat(unset.output()).contains("XPSR_TEST_UNSET_VARIABLE", "not set");
    }

    @Test
    void aTokenGuardsEveryOperationButHealthAndTheDescriptionAndCorsAllowsTheConfiguredOrigin() throws Exception {
        try (ServeProcess server = ServeProcess.start(tmp.resolve("data"), List.of("--demo", "--token-env",
                "XPSR_TEST_TOKEN", "--cors-origin", "https://studio.example"), List.of("XPSR_TEST_TOKEN=" + TOKEN))) {
            ApiClient anonymous = server.client();
            HttpResponse<String> refused = anonymous.get("/api/jobs");
            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
            assertThat(ApiClient.json(refused).get("error").asText()).contains("Authorization: Bearer");
            assertThat(anonymous.submit(TestImages.photo(), "a.png", null).statusCode()).isEqualTo(401);
            assertThat(anonymous.withToken(TOKEN + "x").get("/api/jobs").statusCode()).isEqualTo(401);
            assertThat(anonymous.get("/api/health").statusCode()).isEqualTo(200);
            assertThat(anonymous.get("/api/openapi.json").statusCode()).isEqualTo(200);
            assertThat(anonymous.get("/").statusCode()).as("the page itself holds no data").isEqualTo(200);

            ApiClient client = anonymous.withToken(TOKEN);
            assertThat(client.get("/api/jobs").statusCode()).isEqualTo(200);
            HttpResponse<String> submitted = client.submit(TestImages.photo(), "a.png",
                    "{\"method\": \"bicubic-pil\"}");
            assertThat(submitted.statusCode()).isEqualTo(202);

            HttpResponse<String> cors = client.send(client.request("/api/jobs")
                    .header("Origin", "https://studio.example").GET().build());
            assertThat(cors.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://studio.example");
            HttpResponse<String> other = client.send(client.request("/api/jobs")
                    .header("Origin", "https://evil.example").GET().build());
            assertThat(other.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        }
    }
}
