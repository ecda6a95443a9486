package dev.xpsr.prompt;

import dev.xpsr.io.RgbImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The sources a pipeline takes its prompts from, and which one answered. */
class PromptSourcesTest {
    private static final RgbImage IMAGE = RgbImage.filled(32, 32, 90, 90, 90);

    @TempDir
    Path root;

    /** A client answering every request with its instruction, as a stand-in server. */
    private static final CaptionClient ECHO = new CaptionClient() {
        @Override
        public String caption(RgbImage image, String instruction) {
            return "echo: " + instruction;
        }

        @Override
        public String describe() {
            return "echo server";
        }
    };

    @Test
    void eachSourceSaysWhereItsPromptCameFrom() throws Exception {
        PromptStore store = new PromptStore(root);
        store.write(PromptKind.HIGH_LEVEL, "a", "A stored caption.");
        assertThat(new FixedPromptSource("given").prompt("a", IMAGE)).hasValue(
                new Prompt("given", PromptOrigin.ARGUMENT, "given text"));
        Prompt folder = new FolderPromptSource(store, PromptKind.HIGH_LEVEL).prompt("a", IMAGE).orElseThrow();
        assertThat(folder.origin()).isEqualTo(PromptOrigin.FOLDER);
        assertThat(folder.detail()).endsWith("highlevel_prompt/a.txt".replace('/', java.io.File.separatorChar));
        Prompt server = ServerPromptSource.forKind(ECHO, PromptKind.LOW_LEVEL).prompt("a", IMAGE).orElseThrow();
        assertThat(server).isEqualTo(new Prompt("echo: " + Instruction.LOW_LEVEL, PromptOrigin.SERVER, "echo server"));
        Prompt analysed = new AnalyserPromptSource(new DegradationAnalyser()).prompt("a", IMAGE).orElseThrow();
        assertThat(analysed.origin()).isEqualTo(PromptOrigin.ANALYSER);
        assertThat(analysed.text()).contains("overall quality is");
        assertThat(analysed.source()).isEqualTo("analyser (built-in analyser)");
    }

    @Test
    void aFolderPromptIsTestPysExactString() throws Exception {
        Files.createDirectories(root.resolve("highlevel_prompt"));
        Files.writeString(root.resolve("highlevel_prompt/b.txt"), " caption\nrest");
        Prompt p = new FolderPromptSource(new PromptStore(root), PromptKind.HIGH_LEVEL).prompt("b", IMAGE)
                .orElseThrow();
        assertThat(p.text()).isEqualTo("caption\n");
    }

    @Test
    void theChainUsesTheFirstSourceThatHasAPrompt() throws Exception {
        PromptStore store = new PromptStore(root);
        store.write(PromptKind.LOW_LEVEL, "stored", "Stored description.");
        PromptChain chain = PromptChain.of(new FolderPromptSource(store, PromptKind.LOW_LEVEL),
                new AnalyserPromptSource(new DegradationAnalyser()));
        assertThat(chain.resolve("stored", IMAGE).origin()).isEqualTo(PromptOrigin.FOLDER);
        assertThat(chain.resolve("other", IMAGE).origin()).isEqualTo(PromptOrigin.ANALYSER);
        assertThat(PromptChain.of(new FolderPromptSource(store, PromptKind.HIGH_LEVEL)).resolve("other", IMAGE))
                .isEqualTo(Prompt.NONE);
        assertThat(chain.describe()).contains("prompt folder", "then built-in degradation analyser");
    }

    @Test
    void aFailingSourceStopsTheChainWithItsError() throws IOException {
        PromptSource failing = new PromptSource() {
            @Override
            public Optional<Prompt> prompt(String name, RgbImage image) throws PromptException {
                throw new PromptException("server down");
            }

            @Override
            public String describe() {
                return "failing";
            }
        };
        PromptChain chain = PromptChain.of(failing, new FixedPromptSource("never used"));
        assertThatThrownBy(() -> chain.resolve("x", IMAGE)).isInstanceOf(PromptException.class)
                .hasMessage("server down");
        Files.createDirectories(root.resolve("highlevel_prompt"));
        Files.write(root.resolve("highlevel_prompt/bad.txt"), new byte[] {(byte) 0xFF});
        assertThatThrownBy(() -> new FolderPromptSource(new PromptStore(root), PromptKind.HIGH_LEVEL)
                .prompt("bad", IMAGE)).isInstanceOf(PromptException.class).hasMessageContaining("bad.txt");
    }
}
