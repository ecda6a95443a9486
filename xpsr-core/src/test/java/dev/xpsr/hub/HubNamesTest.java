package dev.xpsr.hub;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Repo ids, URL quoting and ETag normalisation, each as huggingface_hub spells them. */
class HubNamesTest {
    @Test
    void repoIdsFollowTheHubsRules() {
        assertThat(RepoId.parse("stable-diffusion-v1-5/stable-diffusion-v1-5").folderName())
                .isEqualTo("models--stable-diffusion-v1-5--stable-diffusion-v1-5");
        assertThat(RepoId.isValid("runwayml/stable-diffusion-v1-5")).isTrue();
        assertThat(RepoId.isValid("Org_1/name.v2")).isTrue();
        for (String bad : new String[] {"gpt2", "a/b/c", "/abs", "org/", "org/-name", "org/name-", "org/a--b",
                "org/a..b", "org/name.git", "org/na me", "./models", "org/" + "x".repeat(97)}) {
            assertThat(RepoId.isValid(bad)).as(bad).isFalse();
        }
        assertThatThrownBy(() -> RepoId.parse("a/b/c")).hasMessageContaining("org/name");
    }

    @Test
    void aListingNamingAPathOutOfTheRepositoryIsAProtocolErrorNamingTheServer() {
        String url = "https://hub.example/api/models/org/model/revision/main";
        for (String name : new String[] {"../../outside.txt", "/etc/passwd", "unet/../../x", "a//b", "./a", ""}) {
            String json = "{\"sha\": \"0123456789abcdef0123456789abcdef01234567\", \"siblings\": [{\"rfilename\": "
                    + "\"config.json\"}, {\"rfilename\": \"" + name + "\"}]}";
            assertThatThrownBy(() -> RepoInfo.parse(json, url)).as(name).isInstanceOfSatisfying(HubException.class,
                    e -> assertThat(e.kind()).isEqualTo(HubException.Kind.PROTOCOL))
                    .hasMessageContaining(url).hasMessageContaining("'" + name + "'");
        }
    }

    @Test
    void quoteMatchesPythonsUrllibQuote() {
        assertThat(HubUrls.quote("refs/pr/1", "")).isEqualTo("refs%2Fpr%2F1");
        assertThat(HubUrls.quote("unet/read me-ü~.json", "/")).isEqualTo("unet/read%20me-%C3%BC~.json");
        assertThat(HubUrls.resolve("https://hf.co", RepoId.parse("a/b"), "main", "x y/z.json").toString())
                .isEqualTo("https://hf.co/a/b/resolve/main/x%20y/z.json");
        assertThat(HubUrls.modelInfo("https://hf.co", RepoId.parse("a/b"), "refs/pr/2").toString())
                .isEqualTo("https://hf.co/api/models/a/b/revision/refs%2Fpr%2F2");
    }

    @Test
    void etagsAreNormalisedLikePython() {
        assertThat(FileMetadata.normalizeEtag("\"abc\"")).isEqualTo("abc");
        assertThat(FileMetadata.normalizeEtag("W/\"abc\"")).isEqualTo("abc");
        assertThat(FileMetadata.normalizeEtag("abc")).isEqualTo("abc");
        assertThat(FileMetadata.normalizeEtag(null)).isNull();
    }
}
