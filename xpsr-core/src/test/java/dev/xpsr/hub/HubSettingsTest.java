package dev.xpsr.hub;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link HubSettings}: the environment variables huggingface_hub 0.20 reads, with its precedence. */
class HubSettingsTest {
    @TempDir
    Path home;

    private HubSettings settings(String... pairs) {
        Map<String, String> env = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return HubSettings.fromEnvironment(env, home);
    }

    @Test
    void defaultsFollowPython() {
        HubSettings s = settings();

        assertThat(s.endpoint()).isEqualTo("https://huggingface.co");
        assertThat(s.cacheDir()).isEqualTo(home.resolve(".cache/huggingface/hub"));
        assertThat(s.tokenFile()).isEqualTo(home.resolve(".cache/huggingface/token"));
        assertThat(s.offline()).isFalse();
        assertThat(s.token()).isEmpty();
        assertThat(s.etagTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.downloadTimeout()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void hfHomeMovesCacheAndTokenFileAndExpandsTilde() {
        HubSettings s = settings("HF_HOME", "~/hf");

        assertThat(s.cacheDir()).isEqualTo(home.resolve("hf/hub"));
        assertThat(s.tokenFile()).isEqualTo(home.resolve("hf/token"));
    }

    @Test
    void xdgCacheHomeIsTheDefaultParentOfHfHome() {
        assertThat(settings("XDG_CACHE_HOME", "/xdg").cacheDir()).isEqualTo(Path.of("/xdg/huggingface/hub"));
        assertThat(settings("XDG_CACHE_HOME", "/xdg", "HF_HOME", "/hf").cacheDir()).isEqualTo(Path.of("/hf/hub"));
    }

    @Test
    void hfHubCacheBeatsTheLegacyNameWhichBeatsHfHome() {
        assertThat(settings("HF_HOME", "/hf", "HUGGINGFACE_HUB_CACHE", "/legacy").cacheDir())
                .isEqualTo(Path.of("/legacy"));
        assertThat(settings("HF_HOME", "/hf", "HUGGINGFACE_HUB_CACHE", "/legacy", "HF_HUB_CACHE", "/new").cacheDir())
                .isEqualTo(Path.of("/new"));
    }

    @Test
    void endpointLosesTrailingSlashes() {
        assertThat(settings("HF_ENDPOINT", "https://hf-mirror.example/").endpoint())
                .isEqualTo("https://hf-mirror.example");
        assertThat(settings("HF_ENDPOINT", "").endpoint()).isEqualTo("https://huggingface.co");
    }

    @Test
    void offlineAcceptsPythonsTrueSpellingsAndTransformersOffline() {
        for (String yes : new String[] {"1", "true", "TRUE", "on", "Yes"}) {
            assertThat(settings("HF_HUB_OFFLINE", yes).offline()).as(yes).isTrue();
        }
        assertThat(settings("HF_HUB_OFFLINE", "0").offline()).isFalse();
        assertThat(settings("TRANSFORMERS_OFFLINE", "1").offline()).isTrue();
        // Python reads HF_HUB_OFFLINE first whenever it is set, even to a false value.
        assertThat(settings("HF_HUB_OFFLINE", "0", "TRANSFORMERS_OFFLINE", "1").offline()).isFalse();
    }

    @Test
    void tokenPrecedenceIsHfTokenThenLegacyNameThenTokenFile() throws IOException {
        Files.createDirectories(home.resolve(".cache/huggingface"));
        Files.writeString(home.resolve(".cache/huggingface/token"), "  hf_fromFile\r\n");

        assertThat(settings().token()).contains("hf_fromFile");
        assertThat(settings().tokenSource()).hasValueSatisfying(v -> assertThat(v).startsWith("token file "));
        assertThat(settings("HUGGING_FACE_HUB_TOKEN", "hf_legacy").token()).contains("hf_legacy");
        assertThat(settings("HUGGING_FACE_HUB_TOKEN", "hf_legacy", "HF_TOKEN", "hf_new").token()).contains("hf_new");
        assertThat(settings("HF_TOKEN", " \n ").token()).contains("hf_fromFile");
    }

    @Test
    void hfTokenPathNamesAnotherTokenFile() throws IOException {
        Path file = home.resolve("elsewhere/token");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "hf_elsewhere\n");

        HubSettings s = settings("HF_TOKEN_PATH", file.toString());

        assertThat(s.token()).contains("hf_elsewhere");
        assertThat(s.tokenFile()).isEqualTo(file);
    }

    @Test
    void implicitTokenCanBeDisabled() {
        assertThat(settings("HF_TOKEN", "hf_x", "HF_HUB_DISABLE_IMPLICIT_TOKEN", "1").token()).isEmpty();
    }

    @Test
    void toStringNamesTheTokensSourceButNeverTheToken() {
        String text = settings("HF_TOKEN", "hf_SuperSecret").toString();

        assertThat(text).contains("HF_TOKEN").doesNotContain("hf_SuperSecret");
    }

    @Test
    void timeoutsComeFromTheEnvironmentAndBadOnesAreNamed() {
        HubSettings s = settings("HF_HUB_ETAG_TIMEOUT", "3", "HF_HUB_DOWNLOAD_TIMEOUT", "60");

        assertThat(s.etagTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(s.downloadTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThatThrownBy(() -> settings("HF_HUB_DOWNLOAD_TIMEOUT", "soon"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("HF_HUB_DOWNLOAD_TIMEOUT");
    }
}
