package dev.xpsr.hub;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.xpsr.hub.HubTesting.COMMIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link HubCache}: paths, refs, links, and refusal of names that would leave the cache. */
class HubCacheTest {
    private static final RepoId REPO = RepoId.parse("org/model");

    @TempDir
    Path root;

    @Test
    void pathsFollowTheHuggingfaceHubLayout() {
        HubCache cache = new HubCache(root);
        Path repo = root.resolve("models--org--model");

        assertThat(cache.blob(REPO, "abc")).isEqualTo(repo.resolve("blobs/abc"));
        assertThat(cache.incomplete(REPO, "abc")).isEqualTo(repo.resolve("blobs/abc.incomplete"));
        assertThat(cache.ref(REPO, "main")).isEqualTo(repo.resolve("refs/main"));
        assertThat(cache.pointer(REPO, COMMIT, "unet/config.json"))
                .isEqualTo(repo.resolve("snapshots").resolve(COMMIT).resolve("unet/config.json"));
        assertThat(cache.lockFile(REPO, "abc")).isEqualTo(root.resolve(".locks/models--org--model/abc.lock"));
        assertThat(cache.noExistMarker(REPO, COMMIT, "x.json"))
                .isEqualTo(repo.resolve(".no_exist").resolve(COMMIT).resolve("x.json"));
    }

    @Test
    void namesThatWouldLeaveTheCacheAreRefused() {
        HubCache cache = new HubCache(root);

        for (String bad : new String[] {"../x", "a/../../x", "/etc/passwd", "a//b", "a\\b", "", "./a"}) {
            assertThatThrownBy(() -> cache.pointer(REPO, COMMIT, bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> cache.blob(REPO, "../../x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> cache.snapshot(REPO, "..")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refsRecordTheCommitWithoutNewlineAndReadBack() throws IOException {
        HubCache cache = new HubCache(root);

        cache.writeRef(REPO, "main", COMMIT);
        cache.writeRef(REPO, COMMIT, COMMIT);

        assertThat(Files.readString(cache.ref(REPO, "main"))).isEqualTo(COMMIT);
        assertThat(cache.commitFor(REPO, "main")).contains(COMMIT);
        assertThat(cache.commitFor(REPO, COMMIT)).contains(COMMIT);
        assertThat(cache.commitFor(REPO, "v1")).isEmpty();
        assertThat(cache.ref(REPO, COMMIT)).doesNotExist();
    }

    @Test
    void linksAreRelativeSoTheCacheCanMove() throws IOException {
        HubCache cache = new HubCache(root);
        Path blob = Files.createDirectories(cache.blob(REPO, "abc").getParent()).resolve("abc");
        Files.writeString(blob, "content");
        Path pointer = cache.pointer(REPO, COMMIT, "text_encoder/config.json");

        cache.link(blob, pointer, true);
        cache.link(blob, pointer, false); // relinking replaces the entry

        assertThat(Files.readSymbolicLink(pointer).toString()).isEqualTo("../../../blobs/abc");
        assertThat(cache.cachedFile(REPO, COMMIT, "text_encoder/config.json")).contains(pointer);
        assertThat(cache.snapshotFiles(REPO, COMMIT)).containsExactly("text_encoder/config.json");
    }

    @Test
    void withoutSymlinksAnExistingBlobIsCopied() throws IOException {
        HubCache cache = new HubCache(root, false);
        Path blob = Files.createDirectories(cache.blob(REPO, "abc").getParent()).resolve("abc");
        Files.writeString(blob, "content");
        Path pointer = cache.pointer(REPO, COMMIT, "a.json");

        cache.link(blob, pointer, false);

        assertThat(pointer).hasContent("content");
        assertThat(Files.isSymbolicLink(pointer)).isFalse();
        assertThat(blob).exists();
    }

    @Test
    void aBrokenLinkIsNotACachedFile() throws IOException {
        HubCache cache = new HubCache(root);
        Path pointer = cache.pointer(REPO, COMMIT, "a.json");
        Files.createDirectories(pointer.getParent());
        Files.createSymbolicLink(pointer, Path.of("../../blobs/gone"));

        assertThat(cache.cachedFile(REPO, COMMIT, "a.json")).isEmpty();
        assertThat(cache.snapshotFiles(REPO, COMMIT)).isEmpty();
    }
}
