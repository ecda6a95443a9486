package dev.xpsr.hub;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.xpsr.hub.HubTesting.COMMIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** {@link ModelLocator}: folders as they are, repo ids through the cache, anything else refused clearly. */
@Timeout(60)
class ModelLocatorTest {
    @TempDir
    Path dir;
    FakeHub hub;
    ModelLocator locator;

    @BeforeEach
    void start() throws IOException {
        hub = FakeHub.start();
        FakeHub.Repo repo = hub.repo("sd-legacy/sd15", COMMIT);
        for (String file : Sd15Files.forVariant("fp16").files()) {
            repo.file(file, file.endsWith(".safetensors") ? HubTesting.weights(2048, file.length()) : HubTesting.utf8("{}"),
                    file.endsWith(".safetensors"));
        }
        locator = ModelLocator.sd15(HubTesting.client(hub, dir), "fp16");
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    @Test
    void anExistingFolderIsUsedAsIs() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("my/model"));

        assertThat(locator.resolve(folder.toString())).isEqualTo(folder);
        assertThat(hub.requests()).isEmpty();
    }

    @Test
    void aRepoIdIsFetchedThroughTheCache() throws IOException {
        Path snapshot = locator.resolve("sd-legacy/sd15");

        assertThat(snapshot).isEqualTo(dir.resolve("hf/hub/models--sd-legacy--sd15/snapshots").resolve(COMMIT));
        assertThat(snapshot.resolve("unet/diffusion_pytorch_model.fp16.safetensors")).exists();
        assertThat(snapshot.resolve("tokenizer/vocab.json")).exists();
    }

    @Test
    void somethingThatIsNeitherAFolderNorARepoIdIsRefused() {
        assertThatThrownBy(() -> locator.resolve(dir.resolve("nowhere").toString()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("neither an existing folder")
                .hasMessageContaining("org/name").hasMessageContaining(dir.resolve("nowhere").toString());
        assertThatThrownBy(() -> locator.resolve("sd15")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> locator.resolve(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThat(hub.requests()).isEmpty();
    }

    @Test
    void aFileIsNotAModelFolder() throws IOException {
        Path file = Files.writeString(dir.resolve("model.safetensors"), "x");

        assertThatThrownBy(() -> locator.resolve(file.toString())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is a file");
    }

    @Test
    void theRemovedRunwaymlRepositoryPointsAtItsCopy() {
        HubException e = catchThrowableOfType(() -> locator.resolve("runwayml/stable-diffusion-v1-5"),
                HubException.class);

        assertThat(e.kind()).isEqualTo(HubException.Kind.REPO_NOT_FOUND);
        assertThat(e).hasMessageContaining("stable-diffusion-v1-5/stable-diffusion-v1-5")
                .hasMessageContaining("no local folder");
    }
}
