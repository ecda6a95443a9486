package dev.xpsr.hub;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link GlobPattern} and {@link FileSelector#patterns}: Python fnmatch semantics. */
class GlobPatternTest {
    private static boolean match(String glob, String path) {
        return GlobPattern.of(glob).matches(path);
    }

    @Test
    void starCrossesFolders() {
        assertThat(match("*.json", "unet/config.json")).isTrue();
        assertThat(match("unet/*", "unet/sub/x.bin")).isTrue();
        assertThat(match("unet/*", "vae/unet/x")).isFalse();
        assertThat(match("*", "")).isTrue();
    }

    @Test
    void questionMarkAndSets() {
        assertThat(match("v?.txt", "v1.txt")).isTrue();
        assertThat(match("v?.txt", "v10.txt")).isFalse();
        assertThat(match("[ab].txt", "b.txt")).isTrue();
        assertThat(match("[!ab].txt", "b.txt")).isFalse();
        assertThat(match("[!ab].txt", "c.txt")).isTrue();
        assertThat(match("[a-c]x", "bx")).isTrue();
        assertThat(match("[]]x", "]x")).isTrue();
        assertThat(match("[&&^]", "^")).isTrue();
    }

    @Test
    void regexCharactersAreLiteral() {
        assertThat(match("a.b", "axb")).isFalse();
        assertThat(match("a+b(c)$", "a+b(c)$")).isTrue();
        assertThat(match("[x", "[x")).isTrue();
        assertThat(match("a\\b", "a\\b")).isTrue();
    }

    @Test
    void literalPatternsNameRequiredFiles() {
        FileSelector selector = FileSelector.patterns(List.of("model_index.json", "unet/*"));
        List<String> repo = List.of("model_index.json", "unet/a", "vae/b");

        assertThat(selector.select(repo)).containsExactly("model_index.json", "unet/a");
        assertThat(selector.missing(List.of("unet/a"))).containsExactly("model_index.json");
        assertThat(selector.namesEveryFile()).isFalse();
        assertThat(FileSelector.patterns(List.of("a.json")).namesEveryFile()).isTrue();
        assertThat(FileSelector.patterns(null).select(repo)).isEqualTo(repo);
        assertThat(FileSelector.patterns(List.of()).select(repo)).isEmpty();
    }
}
