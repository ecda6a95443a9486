package dev.xpsr.hub;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.xpsr.hub.HubTesting.COMMIT;
import static dev.xpsr.hub.HubTesting.REPO;
import static dev.xpsr.hub.HubTesting.client;
import static dev.xpsr.hub.HubTesting.weights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link HubClient#download}: cache layout, cache reuse, offline mode, redirects and tokens. */
@Timeout(60)
class HubClientDownloadTest {
    private static final String CONFIG = "{\"sample_size\": 64}\n";
    private static final byte[] WEIGHTS = weights(48_000, 1);

    @TempDir
    Path dir;
    FakeHub hub;
    FakeHub.Repo repo;

    @BeforeEach
    void startHub() throws IOException {
        hub = FakeHub.start();
        repo = hub.repo(REPO, COMMIT).file("unet/config.json", CONFIG)
                .file("unet/diffusion_pytorch_model.safetensors", WEIGHTS, true);
    }

    @AfterEach
    void stopHub() {
        hub.close();
    }

    private Path repoFolder() {
        return dir.resolve("hf/hub/models--org--model");
    }

    @Test
    void firstDownloadFillsTheStandardCacheLayout() throws IOException {
        HubClient client = client(hub, dir);
        Path config = client.download(REPO, "main", "unet/config.json");
        Path weightsFile = client.download(REPO, null, "unet/diffusion_pytorch_model.safetensors");

        FakeHub.FileEntry configEntry = repo.files.get("unet/config.json");
        String lfsSha = FakeHub.hex("SHA-256", WEIGHTS);
        Path snapshot = repoFolder().resolve("snapshots").resolve(COMMIT);
        assertThat(config).isEqualTo(snapshot.resolve("unet/config.json"));
        assertThat(weightsFile).isEqualTo(snapshot.resolve("unet/diffusion_pytorch_model.safetensors"));
        assertThat(Files.readString(repoFolder().resolve("refs/main"))).isEqualTo(COMMIT);
        // Blobs are named by ETag: git sha1 for a regular file, the X-Linked-Etag sha256 for an LFS file.
        assertThat(Files.readString(repoFolder().resolve("blobs").resolve(configEntry.gitSha1()))).isEqualTo(CONFIG);
        assertThat(Files.readAllBytes(repoFolder().resolve("blobs").resolve(lfsSha))).isEqualTo(WEIGHTS);
        assertThat(Files.isSymbolicLink(config)).isTrue();
        assertThat(Files.readSymbolicLink(config).toString()).isEqualTo("../../../blobs/" + configEntry.gitSha1());
        assertThat(Files.readSymbolicLink(weightsFile).toString()).isEqualTo("../../../blobs/" + lfsSha);
        assertThat(Files.readAllBytes(weightsFile)).isEqualTo(WEIGHTS);
        try (var blobs = Files.list(repoFolder().resolve("blobs"))) {
            assertThat(blobs.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".incomplete"));
        }
        assertThat(dir.resolve("hf/hub/.locks/models--org--model/" + lfsSha + ".lock")).exists();
    }

    /** An empty file (an {@code __init__.py}, say) has nothing to resume: it is fetched and installed, empty. */
    @Test
    void anEmptyFileIsDownloadedAndLinked() throws IOException {
        repo.file("unet/empty.txt", "");
        Path empty = client(hub, dir).download(REPO, "main", "unet/empty.txt");
        assertThat(empty).isRegularFile();
        assertThat(Files.size(empty)).isZero();
    }

    @Test
    void rootLevelFilesLinkOneLevelLessDeep() throws IOException {
        repo.file("model_index.json", "{}");
        Path index = client(hub, dir).download(REPO, "model_index.json");
        assertThat(Files.readSymbolicLink(index).toString())
                .isEqualTo("../../blobs/" + repo.files.get("model_index.json").gitSha1());
    }

    @Test
    void secondCallIsServedFromTheCacheWithoutAnyRequest() throws IOException {
        HubClient client = client(hub, dir);
        Path first = client.download(REPO, "unet/diffusion_pytorch_model.safetensors");
        int requests = hub.requests().size();

        Path again = client(hub, dir).download(REPO, "unet/diffusion_pytorch_model.safetensors");

        assertThat(again).isEqualTo(first);
        assertThat(hub.requests()).hasSize(requests);
    }

    @Test
    void aCommitHashRevisionUsesThatSnapshotAndWritesNoRef() throws IOException {
        Path file = client(hub, dir).download(REPO, COMMIT, "unet/config.json");

        assertThat(file).isEqualTo(repoFolder().resolve("snapshots").resolve(COMMIT).resolve("unet/config.json"));
        assertThat(repoFolder().resolve("refs")).doesNotExist();
        assertThat(hub.requests("HEAD", "/resolve/" + COMMIT + "/unet/config.json")).hasSize(1);
    }

    @Test
    void revisionAndPathAreUrlEncodedLikePythonsQuote() throws IOException {
        repo.file("docs/read me.txt", "hello");
        Path file = client(hub, dir).download(REPO, "refs/pr/1", "docs/read me.txt");

        assertThat(Files.readString(file)).isEqualTo("hello");
        assertThat(hub.requests("HEAD", "/org/model/resolve/refs%2Fpr%2F1/docs/read%20me.txt")).hasSize(1);
        assertThat(Files.readString(repoFolder().resolve("refs/refs/pr/1"))).isEqualTo(COMMIT);
    }

    @Test
    void offlineModeServesTheCacheWithoutTouchingTheNetwork() throws IOException {
        Path online = client(hub, dir).download(REPO, "unet/config.json");
        int requests = hub.requests().size();

        Path offline = client(hub, dir, "HF_HUB_OFFLINE", "1").download(REPO, "unet/config.json");

        assertThat(offline).isEqualTo(online);
        assertThat(hub.requests()).hasSize(requests);
    }

    @Test
    void offlineModeFailsClearlyForAFileNotCached() {
        HubClient offline = client(hub, dir, "HF_HUB_OFFLINE", "1");

        assertThatThrownBy(() -> offline.download(REPO, "main", "unet/config.json"))
                .isInstanceOf(HubException.class)
                .hasMessageContaining("unet/config.json").hasMessageContaining("'org/model'")
                .hasMessageContaining("'main'").hasMessageContaining(dir.resolve("hf/hub").toString())
                .hasMessageContaining("models--org--model").hasMessageContaining("HF_HUB_OFFLINE")
                .extracting(e -> ((HubException) e).kind()).isEqualTo(HubException.Kind.NOT_CACHED);
        assertThat(hub.requests()).isEmpty();
    }

    @Test
    void theTokenGoesToTheHubButNotToTheCdnOnAnotherHost() throws IOException {
        hub.lfsHost("localhost");
        repo.requireToken("hf_SecretValue42", 401, "RepoNotFound");
        HubClient client = client(hub, dir, "HF_TOKEN", "hf_SecretValue42");

        Path file = client.download(REPO, "unet/diffusion_pytorch_model.safetensors");

        assertThat(Files.readAllBytes(file)).isEqualTo(WEIGHTS);
        FakeHub.Request head = hub.requests("HEAD", "/resolve/").get(0);
        FakeHub.Request cdn = hub.requests("GET", "/lfs/").get(0);
        assertThat(head.authorization()).isEqualTo("Bearer hf_SecretValue42");
        assertThat(head.host()).startsWith("127.0.0.1:");
        assertThat(cdn.host()).startsWith("localhost:");
        assertThat(cdn.authorization()).isNull();
    }

    @Test
    void theTokenFollowsARedirectOnTheHubsOwnHost() throws IOException {
        HubClient client = client(hub, dir, "HF_TOKEN", "hf_SecretValue42");

        client.download(REPO, "unet/diffusion_pytorch_model.safetensors");

        FakeHub.Request cdn = hub.requests("GET", "/lfs/").get(0);
        assertThat(cdn.host()).startsWith("127.0.0.1:");
        assertThat(cdn.authorization()).isEqualTo("Bearer hf_SecretValue42");
    }

    @Test
    void aRenamedRepositorysRelativeRedirectIsFollowed() throws IOException {
        hub.rename("org/old-name", REPO);

        Path file = client(hub, dir).download("org/old-name", "unet/config.json");

        assertThat(Files.readString(file)).isEqualTo(CONFIG);
        assertThat(file.toString()).contains("models--org--old-name");
        assertThat(hub.requests("HEAD", "/org/old-name/resolve/main/unet/config.json")).hasSize(1);
        assertThat(hub.requests("HEAD", "/org/model/resolve/main/unet/config.json")).hasSize(1);
    }

    @Test
    void anExistingBlobIsLinkedWithoutDownloadingAgain() throws IOException {
        repo.file("vae/config.json", CONFIG);
        HubClient client = client(hub, dir);
        client.download(REPO, "unet/config.json");

        Path vae = client.download(REPO, "vae/config.json");

        assertThat(Files.readString(vae)).isEqualTo(CONFIG);
        assertThat(hub.requests("GET", "/vae/config.json")).isEmpty();
    }

    @Test
    void concurrentDownloadsOfOneFileFetchItOnce() throws Exception {
        HubClient client = client(hub, dir);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Path>> results = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                results.add(pool.submit(() -> client.download(REPO, "unet/diffusion_pytorch_model.safetensors")));
            }
            for (Future<Path> result : results) {
                assertThat(Files.readAllBytes(result.get(30, TimeUnit.SECONDS))).isEqualTo(WEIGHTS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(hub.requests("GET", "/lfs/")).hasSize(1);
    }

    @Test
    void withoutSymlinksTheNewBlobIsMovedIntoTheSnapshot() throws IOException {
        Path file = HubTesting.builder(hub, dir).symlinks(false).build().download(REPO, "unet/config.json");

        assertThat(Files.isSymbolicLink(file)).isFalse();
        assertThat(Files.readString(file)).isEqualTo(CONFIG);
        assertThat(repoFolder().resolve("blobs").resolve(repo.files.get("unet/config.json").gitSha1())).doesNotExist();
    }

    @Test
    void checkForUpdatesFollowsTheBranchAndFallsBackToTheCacheWhenTheHubFails() throws IOException {
        Path old = client(hub, dir).download(REPO, "unet/config.json");
        repo.commit = HubTesting.NEW_COMMIT;
        repo.file("unet/config.json", "{\"sample_size\": 96}");
        HubClient checking = HubTesting.builder(hub, dir).checkForUpdates(true).build();

        Path updated = checking.download(REPO, "unet/config.json");
        hub.failWith("HEAD", "/resolve/", 100, 503);
        Path fallback = checking.download(REPO, "unet/config.json");

        assertThat(updated).isNotEqualTo(old).hasContent("{\"sample_size\": 96}");
        assertThat(Files.readString(repoFolder().resolve("refs/main"))).isEqualTo(HubTesting.NEW_COMMIT);
        assertThat(fallback).isEqualTo(updated);
        assertThat(old).hasContent(CONFIG);
    }

    @Test
    void hubSettingsFromHfHubCacheDecideWhereFilesGo() throws IOException {
        Path cache = dir.resolve("elsewhere");
        HubClient client = client(hub, dir, "HF_HUB_CACHE", cache.toString());

        Path file = client.download(REPO, "unet/config.json");

        assertThat(file).startsWith(cache.resolve("models--org--model"));
        assertThat(dir.resolve("hf/hub")).doesNotExist();
    }
}
