package dev.xpsr.hub;

import dev.xpsr.hub.HubException.Kind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static dev.xpsr.hub.HubTesting.COMMIT;
import static dev.xpsr.hub.HubTesting.client;
import static dev.xpsr.hub.HubTesting.weights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** {@link HubClient#snapshot} and {@link HubClient#repoInfo} on a Stable Diffusion 1.5 shaped repository. */
@Timeout(60)
class HubClientSnapshotTest {
    private static final String SD = "sd-legacy/stable-diffusion-v1-5";
    private static final List<String> FULL = StableDiffusionFiles.forVariant(null).files();
    private static final List<String> HALF = StableDiffusionFiles.forVariant("fp16").files();

    @TempDir
    Path dir;
    FakeHub hub;
    FakeHub.Repo repo;

    @BeforeEach
    void startHub() throws IOException {
        hub = FakeHub.start();
        repo = hub.repo(SD, COMMIT);
        int seed = 0;
        for (String file : concat(FULL, HALF, List.of("v1-5-pruned.ckpt", "v1-5-pruned-emaonly.safetensors",
                "v1-5-pruned.safetensors", "unet/diffusion_pytorch_model.bin", "safety_checker/model.safetensors",
                "feature_extractor/preprocessor_config.json", "README.md"))) {
            boolean lfs = file.endsWith(".safetensors") || file.endsWith(".ckpt") || file.endsWith(".bin");
            repo.file(file, lfs ? weights(3000 + seed, seed) : HubTesting.utf8("{\"file\": \"" + file + "\"}"), lfs);
            seed++;
        }
    }

    @AfterEach
    void stopHub() {
        hub.close();
    }

    @SafeVarargs
    private static List<String> concat(List<String>... lists) {
        return Arrays.stream(lists).flatMap(List::stream).distinct().toList();
    }

    /** The files asked for (each new file costs one HEAD on its resolve URL). */
    private List<String> downloaded() {
        return hub.requests("HEAD", "/resolve/").stream().map(FakeHub.Request::rawPath)
                .map(p -> p.substring(p.indexOf(COMMIT) + COMMIT.length() + 1)).sorted().toList();
    }

    @Test
    void repoInfoListsTheCommitAndFiles() throws IOException {
        RepoInfo info = client(hub, dir).repoInfo(SD, "main");

        assertThat(info.sha()).isEqualTo(COMMIT);
        assertThat(info.files()).contains("v1-5-pruned.ckpt", "unet/config.json").hasSize(repo.files.size());
        assertThat(hub.requests("GET", "/api/models/sd-legacy/stable-diffusion-v1-5/revision/main")).hasSize(1);
    }

    @Test
    void repoInfoOfAnUnknownRevisionSaysSo() {
        HubException e = catchThrowableOfType(() -> client(hub, dir).repoInfo(SD, "v2"), HubException.class);

        assertThat(e.kind()).isEqualTo(Kind.REVISION_NOT_FOUND);
        assertThat(e).hasMessageContaining("'v2'");
    }

    @Test
    void snapshotWithPatternsDownloadsOnlyMatchingFiles() throws IOException {
        Path snapshot = client(hub, dir).snapshot(SD, "main", List.of("unet/*", "model_index.json"));

        assertThat(snapshot).isEqualTo(dir.resolve("hf/hub/models--sd-legacy--stable-diffusion-v1-5/snapshots")
                .resolve(COMMIT));
        assertThat(snapshotFiles(snapshot)).containsExactly("model_index.json", "unet/config.json",
                "unet/diffusion_pytorch_model.bin", "unet/diffusion_pytorch_model.fp16.safetensors",
                "unet/diffusion_pytorch_model.safetensors");
        assertThat(downloaded()).containsExactlyElementsOf(snapshotFiles(snapshot));
        assertThat(Files.readString(snapshot.resolveSibling("../refs/main").normalize())).isEqualTo(COMMIT);
        // The files are fetched at the listed commit, not at the moving branch.
        assertThat(hub.requests("HEAD", "/resolve/main/")).isEmpty();
    }

    @Test
    void sd15SelectionFetchesWhatXpsrNeedsAndNoCheckpoint() throws IOException {
        Path snapshot = client(hub, dir).snapshot(SD, null, StableDiffusionFiles.forVariant(null));

        assertThat(snapshotFiles(snapshot)).containsExactlyInAnyOrderElementsOf(FULL).hasSize(12);
        assertThat(hub.requests()).noneMatch(r -> r.rawPath().contains("pruned") || r.rawPath().contains(".bin")
                || r.rawPath().contains("fp16") || r.rawPath().contains("safety_checker"));
        assertThat(Files.readAllBytes(snapshot.resolve("unet/diffusion_pytorch_model.safetensors")))
                .isEqualTo(repo.files.get("unet/diffusion_pytorch_model.safetensors").content());
    }

    @Test
    void sd15Fp16SelectionFetchesTheVariantWeights() throws IOException {
        Path snapshot = client(hub, dir).snapshot(SD, null, StableDiffusionFiles.forVariant("fp16"));

        assertThat(snapshotFiles(snapshot)).containsExactlyInAnyOrderElementsOf(HALF)
                .contains("unet/diffusion_pytorch_model.fp16.safetensors", "text_encoder/model.fp16.safetensors");
    }

    @Test
    void aCachedSd15SnapshotIsReusedWithoutAnyRequest() throws IOException {
        Path first = client(hub, dir).snapshot(SD, "main", StableDiffusionFiles.forVariant(null));
        int requests = hub.requests().size();

        Path again = client(hub, dir).snapshot(SD, "main", StableDiffusionFiles.forVariant(null));

        assertThat(again).isEqualTo(first);
        assertThat(hub.requests()).hasSize(requests);
    }

    @Test
    void aCachedSnapshotMissingAnEntryAsksTheHubAndRelinksTheBlob() throws IOException {
        Path first = client(hub, dir).snapshot(SD, "main", StableDiffusionFiles.forVariant(null));
        Files.delete(first.resolve("vae/config.json"));

        Path again = client(hub, dir).snapshot(SD, "main", StableDiffusionFiles.forVariant(null));

        assertThat(again.resolve("vae/config.json")).hasContent("{\"file\": \"vae/config.json\"}");
        assertThat(hub.requests("GET", "/api/")).hasSize(2);
        assertThat(hub.requests("HEAD", "/resolve/" + COMMIT + "/vae/config.json")).hasSize(2);
        assertThat(hub.requests("GET", "/resolve/" + COMMIT + "/vae/config.json")).hasSize(1);
    }

    @Test
    void offlineSnapshotComesFromTheCacheOrNamesWhatIsMissing() throws IOException {
        Path online = client(hub, dir).snapshot(SD, "main", StableDiffusionFiles.forVariant(null));
        int requests = hub.requests().size();
        HubClient offline = client(hub, dir, "HF_HUB_OFFLINE", "1");

        Path cached = offline.snapshot(SD, "main", StableDiffusionFiles.forVariant(null));
        HubException e = catchThrowableOfType(
                () -> offline.snapshot(SD, "main", StableDiffusionFiles.forVariant("fp16")), HubException.class);

        assertThat(cached).isEqualTo(online);
        assertThat(e.kind()).isEqualTo(Kind.NOT_CACHED);
        assertThat(e).hasMessageContaining("unet/diffusion_pytorch_model.fp16.safetensors")
                .hasMessageContaining(SD).hasMessageContaining("'main'")
                .hasMessageContaining(dir.resolve("hf/hub").toString());
        assertThat(hub.requests()).hasSize(requests);
    }

    @Test
    void aRepositoryLackingANeededFileFailsBeforeDownloading() {
        repo.files.remove("tokenizer/merges.txt");

        HubException e = catchThrowableOfType(
                () -> client(hub, dir).snapshot(SD, "main", StableDiffusionFiles.forVariant(null)), HubException.class);

        assertThat(e.kind()).isEqualTo(Kind.FILE_NOT_FOUND);
        assertThat(e).hasMessageContaining("tokenizer/merges.txt").hasMessageContaining(SD);
        assertThat(downloaded()).isEmpty();
    }

    @Test
    void whenTheHubFailsACompleteCachedSnapshotServesWithUpdateChecks() throws IOException {
        Path online = client(hub, dir).snapshot(SD, "main", StableDiffusionFiles.forVariant(null));
        hub.failWith("GET", "/api/", 100, 500);

        Path fallback = HubTesting.builder(hub, dir).checkForUpdates(true).build()
                .snapshot(SD, "main", StableDiffusionFiles.forVariant(null));

        assertThat(fallback).isEqualTo(online);
        assertThat(hub.requests("GET", "/api/")).hasSize(1 + HubTesting.FAST_RETRY.maxAttempts());
    }

    private static List<String> snapshotFiles(Path snapshot) throws IOException {
        try (var walk = Files.walk(snapshot)) {
            return walk.filter(Files::isRegularFile).map(p -> snapshot.relativize(p).toString()).sorted().toList();
        }
    }
}
