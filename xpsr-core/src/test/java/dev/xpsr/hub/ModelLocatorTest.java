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
import java.util.stream.Stream;

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
        for (String file : StableDiffusionFiles.forVariant("fp16").files()) {
            repo.file(file, file.endsWith(".safetensors") ? HubTesting.weights(2048, file.length())
                    : HubTesting.utf8("{}"), file.endsWith(".safetensors"));
        }
        locator = ModelLocator.stableDiffusion(HubTesting.client(hub, dir), "fp16");
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

    /**
     * An SD-2.x repository (listing shaped like {@code stabilityai/stable-diffusion-2-1-base}'s: root checkpoints,
     * {@code .bin} duplicates, both variants, a feature extractor) has SD-1.5's diffusers layout: exactly the
     * selected variant's diffusers files are fetched.
     */
    @Test
    void anSd2RepositoryGivesTheDiffusersFilesOfTheVariantOnly() throws IOException {
        FakeHub.Repo repo = hub.repo("stabilityai/stable-diffusion-2-1-base", COMMIT);
        List<String> listing = new ArrayList<>(List.of("README.md", "feature_extractor/preprocessor_config.json",
                "model_index.json", "scheduler/scheduler_config.json", "tokenizer/merges.txt",
                "tokenizer/special_tokens_map.json", "tokenizer/tokenizer_config.json", "tokenizer/vocab.json",
                "v2-1_512-ema-pruned.ckpt", "v2-1_512-ema-pruned.safetensors", "v2-1_512-nonema-pruned.safetensors"));
        for (String part : List.of("text_encoder/model", "unet/diffusion_pytorch_model",
                "vae/diffusion_pytorch_model")) {
            String folder = part.substring(0, part.indexOf('/'));
            listing.addAll(List.of(folder + "/config.json", part + ".safetensors", part + ".fp16.safetensors",
                    part.replace("/model", "/pytorch_model") + ".bin", part + ".fp16.bin"));
        }
        for (String file : listing) {
            repo.file(file, HubTesting.utf8(file), file.endsWith(".safetensors") || file.endsWith(".ckpt"));
        }

        Path snapshot = locator.resolve("stabilityai/stable-diffusion-2-1-base");

        List<String> fetched;
        try (Stream<Path> files = Files.walk(snapshot)) {
            fetched = files.filter(Files::isRegularFile)
                    .map(f -> snapshot.relativize(f).toString().replace('\\', '/')).toList();
        }
        assertThat(fetched).containsExactlyInAnyOrderElementsOf(StableDiffusionFiles.forVariant("fp16").files());
    }
}
