package dev.xpsr.prompt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** XPSR's prompt-folder layout and test.py's reading: {@code fp.readlines()[0].lstrip()}. */
class PromptStoreTest {
    @TempDir
    Path root;

    private void put(PromptKind kind, String name, byte[] content) throws IOException {
        Files.createDirectories(root.resolve(kind.folder()));
        Files.write(root.resolve(kind.folder()).resolve(name + ".txt"), content);
    }

    private void put(PromptKind kind, String name, String content) throws IOException {
        put(kind, name, content.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void layoutIsXpsrs() {
        PromptStore store = new PromptStore(root);
        assertThat(store.file(PromptKind.HIGH_LEVEL, "0001")).isEqualTo(root.resolve("highlevel_prompt/0001.txt"));
        assertThat(store.file(PromptKind.LOW_LEVEL, "0001")).isEqualTo(root.resolve("lowlevel_prompt_q/0001.txt"));
        assertThat(store.file(PromptKind.HIGH_LEVEL_GT, "a")).isEqualTo(root.resolve("highlevel_prompt_GT/a.txt"));
        assertThat(store.file(PromptKind.LOW_LEVEL_GT, "a")).isEqualTo(root.resolve("lowlevel_prompt_q_GT/a.txt"));
        assertThat(PromptStore.nameOf(Path.of("LR/0001.png"))).isEqualTo("0001");
        assertThat(PromptStore.nameOf(Path.of("a.b.jpeg"))).isEqualTo("a.b");
        assertThatThrownBy(() -> store.file(PromptKind.HIGH_LEVEL, "../x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readsTheFirstLineLeftStrippedAsTestPyDoes() throws IOException {
        PromptStore store = new PromptStore(root);
        put(PromptKind.HIGH_LEVEL, "one", " The image shows a cat sitting on a mat. ");
        assertThat(store.readExact(PromptKind.HIGH_LEVEL, "one")).hasValue("The image shows a cat sitting on a mat. ");
        put(PromptKind.HIGH_LEVEL, "two", "  first line\nsecond line\n");
        // readlines()[0] keeps its "\n", and test.py then appends " " + added_prompt to it
        assertThat(store.readExact(PromptKind.HIGH_LEVEL, "two")).hasValue("first line\n");
        assertThat(store.read(PromptKind.HIGH_LEVEL, "two")).hasValue("first line");
        put(PromptKind.LOW_LEVEL, "crlf", "quality is poor\r\nmore");
        assertThat(store.readExact(PromptKind.LOW_LEVEL, "crlf")).hasValue("quality is poor\n");
        put(PromptKind.LOW_LEVEL, "cr", "old mac\rline");
        assertThat(store.readExact(PromptKind.LOW_LEVEL, "cr")).hasValue("old mac\n");
    }

    @Test
    void leftStripUsesPythonsWhitespace() throws IOException {
        PromptStore store = new PromptStore(root);
        put(PromptKind.HIGH_LEVEL, "ws", "\u00a0\u2003\u001c\u000b\f\t text\u00a0");
        assertThat(store.readExact(PromptKind.HIGH_LEVEL, "ws")).hasValue("text\u00a0");
        // a blank first line is "\n", which lstrip() empties: test.py's caption is then ""
        put(PromptKind.HIGH_LEVEL, "blank", "\ncaption on line two");
        assertThat(store.readExact(PromptKind.HIGH_LEVEL, "blank")).hasValue("");
        // a zero-width space is not whitespace to Python
        put(PromptKind.HIGH_LEVEL, "zw", "\u200bx");
        assertThat(store.read(PromptKind.HIGH_LEVEL, "zw")).hasValue("\u200bx");
    }

    @Test
    void emptyFileIsAnEmptyPromptAndAMissingOneIsNone() throws IOException {
        PromptStore store = new PromptStore(root);
        put(PromptKind.LOW_LEVEL, "empty", "");
        assertThat(store.readExact(PromptKind.LOW_LEVEL, "empty")).hasValue("");
        assertThat(store.has(PromptKind.LOW_LEVEL, "empty")).isTrue();
        assertThat(store.readExact(PromptKind.LOW_LEVEL, "missing")).isEmpty();
        assertThat(store.has(PromptKind.LOW_LEVEL, "missing")).isFalse();
    }

    @Test
    void aFileThatIsNotUtf8IsAnErrorNotAnEmptyPrompt() throws IOException {
        PromptStore store = new PromptStore(root);
        put(PromptKind.HIGH_LEVEL, "latin1", new byte[] {'c', 'a', 'f', (byte) 0xE9});
        assertThatThrownBy(() -> store.read(PromptKind.HIGH_LEVEL, "latin1")).isInstanceOf(IOException.class)
                .hasMessageContaining("not UTF-8");
    }

    @Test
    void writesOneLineAtomicallyAndReadsItBack() throws IOException {
        PromptStore store = new PromptStore(root.resolve("dataset"));
        store.write(PromptKind.HIGH_LEVEL, "img", "A photo of a dog.");
        store.write(PromptKind.HIGH_LEVEL, "img", "A photo of a dog on grass.");
        Path file = store.file(PromptKind.HIGH_LEVEL, "img");
        assertThat(Files.readString(file)).isEqualTo("A photo of a dog on grass.");
        assertThat(store.readExact(PromptKind.HIGH_LEVEL, "img")).hasValue("A photo of a dog on grass.");
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertThat(files).containsExactly(file);
        }
        assertThatThrownBy(() -> store.write(PromptKind.HIGH_LEVEL, "img", "two\nlines"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(Files.readString(file)).isEqualTo("A photo of a dog on grass.");
    }
}
