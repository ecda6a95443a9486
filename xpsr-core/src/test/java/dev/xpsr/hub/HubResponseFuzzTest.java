package dev.xpsr.hub;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.xpsr.net.RetryPolicy;
import dev.xpsr.testing.FuzzContract;
import dev.xpsr.testing.FuzzedHttpServer;
import dev.xpsr.testing.FuzzedHttpServer.Answer;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes what a hub (or whatever answers at {@code HF_ENDPOINT}) may send to {@link HubClient#snapshot}: the
 * input holds the model-info JSON (the file list and commit), the head of every HEAD answer (status, ETag,
 * X-Repo-Commit, Location, sizes) and the body of every download ({@link FuzzContract#parts}); absolute redirects
 * are pointed back at that server. Any answers give a
 * snapshot folder inside the cache or a {@link HubException} naming the repository or the server; no file is
 * written outside the cache, whatever names, redirects and ETags say.
 */
class HubResponseFuzzTest {
    private static final String REPO = "org/model";
    private static final FuzzedHttpServer SERVER = new FuzzedHttpServer();
    private static final Path HOME = FuzzContract.scratch("hub");
    private static final RetryPolicy QUICK_RETRY = new RetryPolicy(2, Duration.ofMillis(1), Duration.ofMillis(5),
            Duration.ofSeconds(2));
    private static final HubClient CLIENT = HubClient.builder(HubSettings.fromEnvironment(Map.of(
                    "HF_ENDPOINT", SERVER.baseUrl().toString(), "HF_HOME", HOME.resolve("hf").toString()),
                    HOME.resolve("user"))).retryPolicy(QUICK_RETRY).metadataTimeout(Duration.ofSeconds(2))
            .downloadTimeout(Duration.ofSeconds(2)).build();

    @Timeout(60)
    @FuzzTest
    void snapshotLandsInTheCacheOrFailsNamingTheRepository(byte[] input) throws Exception {
        FuzzContract.clear(HOME);
        byte[][] parts = FuzzContract.parts(input, 3);
        Answer modelInfo = new Answer(200, List.<String[]>of(new String[] {"Content-Type", "application/json"}),
                parts[0]);
        Answer head = towardsTheServer(Answer.parse(parts[1], new byte[0]));
        Answer download = new Answer(200, List.of(), parts[2]);
        SERVER.answer(request -> request.path().startsWith("/api/") ? modelInfo
                : request.method().equals("HEAD") ? head : download);
        Path cache = CLIENT.settings().cacheDir();
        Path snapshot = FuzzContract.resultOrRefusal(() -> CLIENT.snapshot(REPO, "main", (List<String>) null),
                HubException.class, REPO, SERVER.baseUrl().getHost());
        if (snapshot != null) {
            assertThat(snapshot.toAbsolutePath().normalize()).startsWith(cache);
        }
        assertThat(FuzzContract.files(HOME)).allSatisfy(file -> assertThat(file).startsWith(cache));
    }

    /**
     * An absolute redirect to another host (an LFS CDN, or anywhere) is sent to the fuzzed server instead, path and
     * scheme kept: the harness may reach no other host. The client's handling of absolute redirects is the same.
     */
    private static Answer towardsTheServer(Answer a) {
        List<String[]> headers = a.headers().stream().map(h -> {
            if (!h[0].equalsIgnoreCase("Location")) {
                return h;
            }
            try {
                URI to = new URI(h[1]);
                return to.getHost() == null ? h : new String[] {h[0], new URI(to.getScheme(), to.getUserInfo(),
                        SERVER.baseUrl().getHost(), SERVER.baseUrl().getPort(), to.getPath(), to.getQuery(),
                        to.getFragment()).toString()};
            } catch (URISyntaxException malformed) {
                return h; // the client refuses it as malformed
            }
        }).toList();
        return new Answer(a.status(), headers, a.body());
    }
}
