package dev.xpsr.hub;

import dev.xpsr.hub.HubException.Kind;
import dev.xpsr.net.RetryPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static dev.xpsr.hub.HubTesting.COMMIT;
import static dev.xpsr.hub.HubTesting.REPO;
import static dev.xpsr.hub.HubTesting.builder;
import static dev.xpsr.hub.HubTesting.client;
import static dev.xpsr.hub.HubTesting.weights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** {@link HubClient#download} when things go wrong: interrupted, corrupt, refused, missing, overloaded. */
@Timeout(60)
class HubClientFailureTest {
    private static final String WEIGHTS_PATH = "unet/diffusion_pytorch_model.safetensors";
    private static final byte[] WEIGHTS = weights(200_000, 2);
    private static final String SHA = FakeHub.hex("SHA-256", WEIGHTS);
    private static final String SECRET = "hf_DoNotLeakThis123";

    @TempDir
    Path dir;
    FakeHub hub;
    FakeHub.Repo repo;

    @BeforeEach
    void startHub() throws IOException {
        hub = FakeHub.start();
        repo = hub.repo(REPO, COMMIT).file("unet/config.json", "{}").file(WEIGHTS_PATH, WEIGHTS, true);
    }

    @AfterEach
    void stopHub() {
        hub.close();
    }

    private Path blobs() {
        return dir.resolve("hf/hub/models--org--model/blobs");
    }

    private HubClient noRetries() {
        return builder(hub, dir).retryPolicy(RetryPolicy.NONE).build();
    }

    @Test
    void anInterruptedDownloadKeepsItsPartialFileAndTheNextCallResumesWithRange() throws IOException {
        hub.dropAfter("/lfs/", 1, 70_000);

        HubException first = catchThrowableOfType(() -> noRetries().download(REPO, WEIGHTS_PATH), HubException.class);

        assertThat(first.kind()).isEqualTo(Kind.NETWORK);
        assertThat(first).hasMessageContaining(WEIGHTS_PATH).hasMessageContaining("resumes");
        Path part = blobs().resolve(SHA + ".incomplete");
        long kept = Files.size(part);
        assertThat(kept).isPositive().isLessThan(WEIGHTS.length);
        assertThat(blobs().resolve(SHA)).doesNotExist();

        RecordingListener listener = new RecordingListener();
        Path file = builder(hub, dir).listener(listener).build().download(REPO, WEIGHTS_PATH);

        assertThat(Files.readAllBytes(file)).isEqualTo(WEIGHTS);
        assertThat(part).doesNotExist();
        assertThat(hub.requests("GET", "/lfs/")).last().extracting(FakeHub.Request::range)
                .isEqualTo("bytes=" + kept + "-");
        assertThat(listener.started).containsExactly(REPO + ":" + WEIGHTS_PATH + ":" + WEIGHTS.length + ":" + kept);
        assertThat(listener.lastProgress()).containsExactly(WEIGHTS.length, WEIGHTS.length);
        assertThat(listener.finished).containsExactly(WEIGHTS_PATH);
    }

    @Test
    void aConnectionCutMidBodyIsResumedWithinTheSameCall() throws IOException {
        hub.dropAfter("/lfs/", 1, 50_000);
        RecordingListener listener = new RecordingListener();

        Path file = builder(hub, dir).listener(listener).build().download(REPO, WEIGHTS_PATH);

        assertThat(Files.readAllBytes(file)).isEqualTo(WEIGHTS);
        assertThat(hub.requests("GET", "/lfs/")).hasSize(2).extracting(FakeHub.Request::range)
                .first().isNull();
        assertThat(hub.requests("GET", "/lfs/").get(1).range()).matches("bytes=\\d+-");
        assertThat(listener.retries).hasSize(1);
    }

    @Test
    void aServerThatIgnoresRangeMakesTheDownloadStartOver() throws IOException {
        hub.honourRange(false);
        hub.dropAfter("/lfs/", 1, 60_000);

        Path file = client(hub, dir).download(REPO, WEIGHTS_PATH);

        assertThat(Files.readAllBytes(file)).isEqualTo(WEIGHTS);
        assertThat(hub.requests("GET", "/lfs/")).hasSize(2);
    }

    @Test
    void aCompletePartialFileLeftBeforeTheRenameIsInstalledWithoutDownloading() throws IOException {
        Files.createDirectories(blobs());
        Files.write(blobs().resolve(SHA + ".incomplete"), WEIGHTS);

        Path file = client(hub, dir).download(REPO, WEIGHTS_PATH);

        assertThat(Files.readAllBytes(file)).isEqualTo(WEIGHTS);
        assertThat(hub.requests("GET", "/lfs/")).isEmpty();
    }

    @Test
    void aChecksumMismatchIsReportedAndTheBadFileNotInstalled() {
        byte[] served = WEIGHTS.clone();
        served[1234] ^= 1;
        repo.corruptLfsFile(WEIGHTS_PATH, WEIGHTS, served);

        HubException e = catchThrowableOfType(() -> client(hub, dir).download(REPO, WEIGHTS_PATH), HubException.class);

        assertThat(e.kind()).isEqualTo(Kind.INTEGRITY);
        assertThat(e).hasMessageContaining("sha256").hasMessageContaining(SHA).hasMessageContaining(WEIGHTS_PATH);
        assertThat(blobs().resolve(SHA)).doesNotExist();
        assertThat(blobs().resolve(SHA + ".incomplete")).doesNotExist();
        assertThat(dir.resolve("hf/hub/models--org--model/snapshots").resolve(COMMIT).resolve(WEIGHTS_PATH))
                .doesNotExist();
    }

    @Test
    void unauthorizedTellsToSetHfTokenWithoutEverShowingTheToken() {
        repo.requireToken("hf_TheRightOne", 401, "RepoNotFound");

        HubException anonymous = catchThrowableOfType(() -> client(hub, dir).download(REPO, WEIGHTS_PATH),
                HubException.class);
        HubException wrongToken = catchThrowableOfType(
                () -> client(hub, dir, "HF_TOKEN", SECRET).download(REPO, WEIGHTS_PATH), HubException.class);

        assertThat(anonymous.kind()).isEqualTo(Kind.REPO_NOT_FOUND);
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous).hasMessageContaining("set HF_TOKEN").hasMessageContaining("'org/model'");
        assertThat(wrongToken.kind()).isEqualTo(Kind.REPO_NOT_FOUND);
        assertThat(wrongToken).hasMessageContaining("from HF_TOKEN").hasMessageNotContaining(SECRET);
        assertThat(wrongToken.toString()).doesNotContain(SECRET);
        assertThat(hub.requests("HEAD", "/resolve/")).last().extracting(FakeHub.Request::authorization)
                .isEqualTo("Bearer " + SECRET);
    }

    @Test
    void aGatedRepositorySaysToAcceptItsConditions() {
        repo.requireToken("hf_TheRightOne", 403, "GatedRepo");

        HubException e = catchThrowableOfType(
                () -> client(hub, dir, "HF_TOKEN", SECRET).download(REPO, WEIGHTS_PATH), HubException.class);

        assertThat(e.kind()).isEqualTo(Kind.GATED);
        assertThat(e).hasMessageContaining("accept its conditions").hasMessageContaining(hub.endpoint() + "/org/model")
                .hasMessageNotContaining(SECRET);
    }

    @Test
    void aMissingFileIsNamedAndRememberedInNoExist() throws IOException {
        HubException e = catchThrowableOfType(() -> client(hub, dir).download(REPO, "unet/nothing.json"),
                HubException.class);

        assertThat(e.kind()).isEqualTo(Kind.FILE_NOT_FOUND);
        assertThat(e.status()).isEqualTo(404);
        assertThat(e).hasMessageContaining("'unet/nothing.json'").hasMessageContaining("'org/model'")
                .hasMessageContaining("'main'");
        assertThat(dir.resolve("hf/hub/models--org--model/.no_exist").resolve(COMMIT).resolve("unet/nothing.json"))
                .exists();
    }

    @Test
    void aMissingRepositoryOrRevisionIsNamed() {
        HubException noRepo = catchThrowableOfType(() -> client(hub, dir).download("org/absent", "config.json"),
                HubException.class);
        HubException noRevision = catchThrowableOfType(
                () -> client(hub, dir).download(REPO, "v9", "unet/config.json"), HubException.class);

        assertThat(noRepo.kind()).isEqualTo(Kind.REPO_NOT_FOUND);
        assertThat(noRepo).hasMessageContaining("'org/absent'").hasMessageContaining("Repository not found");
        assertThat(noRevision.kind()).isEqualTo(Kind.REVISION_NOT_FOUND);
        assertThat(noRevision).hasMessageContaining("'v9'").hasMessageContaining("'org/model'");
    }

    @Test
    void serverErrorsAreRetriedWithBackoffThenSucceed() throws IOException {
        hub.failWith("HEAD", "/resolve/", 2, 503);
        hub.failWith("GET", "/lfs/", 1, 502);
        RecordingListener listener = new RecordingListener();

        Path file = builder(hub, dir).listener(listener).build().download(REPO, WEIGHTS_PATH);

        assertThat(Files.readAllBytes(file)).isEqualTo(WEIGHTS);
        assertThat(hub.requests("HEAD", "/resolve/")).hasSize(3);
        assertThat(hub.requests("GET", "/lfs/")).hasSize(2);
        assertThat(listener.retries).hasSize(3).allMatch(r -> r.contains("HTTP 50"));
    }

    @Test
    void aServerErrorThatLastsFailsAfterTheRetries() {
        hub.failWith("HEAD", "/resolve/", 100, 503);

        HubException e = catchThrowableOfType(() -> client(hub, dir).download(REPO, WEIGHTS_PATH), HubException.class);

        assertThat(e.kind()).isEqualTo(Kind.SERVER);
        assertThat(e.status()).isEqualTo(503);
        assertThat(e).hasMessageContaining("503").hasMessageContaining(WEIGHTS_PATH).hasMessageContaining("try again");
        assertThat(hub.requests("HEAD", "/resolve/")).hasSize(HubTesting.FAST_RETRY.maxAttempts());
    }

    @Test
    void aRateLimitIsRetriedNoSoonerThanItsRetryAfter() throws IOException {
        hub.failWith("HEAD", "/resolve/", 1, 429, "1");

        Path file = client(hub, dir).download(REPO, WEIGHTS_PATH);

        assertThat(Files.readAllBytes(file)).isEqualTo(WEIGHTS);
        var heads = hub.requests("HEAD", "/resolve/");
        assertThat(heads).hasSize(2);
        // the policy's own wait is 4 ms at most: only the server's Retry-After explains a second
        assertThat((heads.get(1).nanos() - heads.get(0).nanos()) / 1e9).isGreaterThanOrEqualTo(0.95);
    }

    @Test
    void aRetryAfterBeyondTheBudgetGivesUpAtOnce() {
        hub.failWith("HEAD", "/resolve/", 100, 503, "3600");

        HubException e = catchThrowableOfType(() -> client(hub, dir).download(REPO, WEIGHTS_PATH), HubException.class);

        assertThat(e.kind()).isEqualTo(Kind.SERVER);
        assertThat(e.status()).isEqualTo(503);
        assertThat(hub.requests("HEAD", "/resolve/")).hasSize(1);
    }

    @Test
    void aRequestTimeoutAnswerIsRetried() throws IOException {
        hub.failWith("GET", "/lfs/", 1, 408);

        Path file = client(hub, dir).download(REPO, WEIGHTS_PATH);

        assertThat(Files.readAllBytes(file)).isEqualTo(WEIGHTS);
        assertThat(hub.requests("GET", "/lfs/")).hasSize(2);
    }

    @Test
    void aRefusalFromTheCdnIsNotBlamedOnTheToken() {
        hub.lfsHost("localhost");
        hub.failWith("GET", "/lfs/", 1, 403);

        HubException e = catchThrowableOfType(() -> client(hub, dir).download(REPO, WEIGHTS_PATH), HubException.class);

        assertThat(e.kind()).isEqualTo(Kind.SERVER);
        assertThat(e).hasMessageContaining("download server localhost").hasMessageContaining("403")
                .hasMessageNotContaining("HF_TOKEN").hasMessageNotContaining("response-content-disposition");
        assertThat(hub.requests("GET", "/lfs/")).as("a 403 is final: not retried").hasSize(1);
    }

    @Test
    void anUnreachableHubIsANetworkErrorAfterTheRetries() throws IOException {
        String endpoint = hub.endpoint();
        hub.close();
        HubClient client = HubClient.builder(HubSettings.fromEnvironment(
                        Map.of("HF_ENDPOINT", endpoint, "HF_HOME", dir.toString()), dir))
                .retryPolicy(HubTesting.FAST_RETRY).build();

        HubException e = catchThrowableOfType(() -> client.download(REPO, WEIGHTS_PATH), HubException.class);

        assertThat(e.kind()).isEqualTo(Kind.NETWORK);
        assertThat(e).hasMessageContaining("127.0.0.1").hasMessageContaining("4 attempts");
        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.filter(Files::isRegularFile)).isEmpty();
        }
    }
}
