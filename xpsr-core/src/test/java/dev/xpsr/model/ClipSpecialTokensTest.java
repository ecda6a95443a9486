package dev.xpsr.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.model.ClipTokenizer.Normalization;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Special tokens read from a tokenizer folder, against transformers 4.36 loading SD-2.1's tokenizer files
 * ({@code sd21_tokenizer.json}: its {@code tokenizer_config.json} and {@code special_tokens_map.json}, the resolved
 * tokens, and the ids of every prompt in both normalisation variants).
 */
class ClipSpecialTokensTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FIXTURE = "sd21_tokenizer.json";
    private static final Map<String, Normalization> VARIANTS = Map.of("hf_basic", Normalization.HF_BASIC,
            "hf_ftfy", Normalization.FTFY_LIKE);

    private static JsonNode fixture() {
        Path file = GoldenFixture.folder().resolve(FIXTURE);
        assertThat(file).as("golden fixture (set -Dxpsr.golden)").isRegularFile();
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every prompt of {@code cases} and {@code extra_cases}, named by its text. */
    static Stream<Named<JsonNode>> prompts() {
        JsonNode f = fixture();
        List<Named<JsonNode>> out = new ArrayList<>();
        for (String list : List.of("cases", "extra_cases")) {
            f.path(list).forEach(c -> out.add(Named.of(list + ": " + c.required("prompt").asText()
                    .replace("\n", "\\n"), c)));
        }
        assertThat(out).as(FIXTURE + " prompts").isNotEmpty();
        return out.stream();
    }

    /** A tokenizer folder as the SD-2.1 repository ships it: the CLIP table and SD-2.1's two token files. */
    private static Path sd21Folder(Path dir, boolean withVocabulary) throws IOException {
        JsonNode files = fixture().required("sd21_tokenizer_files");
        Files.writeString(dir.resolve(ClipSpecialTokens.CONFIG_FILE),
                files.required("tokenizer_config_json").toString());
        Files.writeString(dir.resolve(ClipSpecialTokens.MAP_FILE),
                files.required("special_tokens_map_json").toString());
        if (withVocabulary) {
            for (String name : List.of("vocab.json", "merges.txt")) {
                try (InputStream in = ClipTokenizer.class.getResourceAsStream("/dev/xpsr/tokenizer/clip/" + name)) {
                    Files.write(dir.resolve(name), in.readAllBytes());
                }
            }
        }
        return dir;
    }

    @Test
    void sd21FilesResolveToTheTokensTransformersResolved(@TempDir Path dir) throws IOException {
        JsonNode expected = fixture().required("resolved_special_tokens");
        ClipTokenizer tokenizer = ClipTokenizer.fromFolder(sd21Folder(dir, true));
        ClipSpecialTokens tokens = tokenizer.specialTokens();
        assertThat(tokens.pad()).isEqualTo(expected.required("pad_token").asText());
        assertThat(tokens.bos()).isEqualTo(expected.required("bos_token").asText());
        assertThat(tokens.eos()).isEqualTo(expected.required("eos_token").asText());
        assertThat(tokens.unk()).isEqualTo(expected.required("unk_token").asText());
        assertThat(tokenizer.padId()).isEqualTo(expected.required("pad_token_id").asInt());
        assertThat(tokenizer.bosId()).isEqualTo(expected.required("bos_token_id").asInt());
        assertThat(tokenizer.eosId()).isEqualTo(expected.required("eos_token_id").asInt());
        assertThat(tokenizer.maxLength()).isEqualTo(expected.required("model_max_length").asInt());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("prompts")
    void sd21TokenizerSplitsAtEveryPadTokenAndPadsWithItInBothNormalisations(JsonNode c, @TempDir Path dir)
            throws IOException {
        ClipTokenizer sd21 = ClipTokenizer.fromFolder(sd21Folder(dir, true));
        String prompt = c.required("prompt").asText();
        for (Map.Entry<String, Normalization> variant : VARIANTS.entrySet()) {
            JsonNode expected = c.required(variant.getKey());
            ClipTokenizer tokenizer = sd21.withNormalization(variant.getValue());
            String as = variant.getKey() + " ";
            assertThat(tokenizer.splitOnSpecialTokens(prompt)).as(as + "special_token_split")
                    .isEqualTo(strings(expected.required("special_token_split")));
            assertThat(tokenizer.bpeTokens(prompt)).as(as + "bpe_tokens")
                    .isEqualTo(strings(expected.required("bpe_tokens")));
            assertThat(tokenizer.encodeUntruncated(prompt)).as(as + "ids_untruncated")
                    .isEqualTo(ints(expected.required("ids_untruncated")));
            assertThat(tokenizer.encode(prompt)).as(as + "input_ids_77")
                    .isEqualTo(ints(expected.required("input_ids_77")));
        }
        assertThat(ClipTokenizer.bundled().withNormalization(Normalization.FTFY_LIKE).encode(prompt))
                .as("the SD-1.5 tokenizer on the same table").isEqualTo(ints(c.required("sd15_hf_ftfy_input_ids_77")));
    }

    @Test
    void folderWithoutVocabularyUsesTheBundledTableWithItsOwnSpecialTokens(@TempDir Path dir) throws IOException {
        Path withTable = Files.createDirectories(dir.resolve("full"));
        Path tokensOnly = Files.createDirectories(dir.resolve("tokens-only"));
        ClipTokenizer full = ClipTokenizer.fromFolder(sd21Folder(withTable, true));
        ClipTokenizer bundledTable = ClipTokenizer.forModel(sd21Folder(tokensOnly, false));
        prompts().map(Named::getPayload).map(c -> c.required("prompt").asText()).forEach(p ->
                assertThat(bundledTable.encode(p)).as(p).isEqualTo(full.encode(p)));
        assertThat(ClipTokenizer.forModel(dir.resolve("empty")).padId()).as("no files: SD-1.5's defaults")
                .isEqualTo(ClipTokenizer.bundled().eosId());
    }

    @Test
    void theMapIsIgnoredWhenTheConfigListsItsAddedTokens(@TempDir Path dir) throws IOException {
        int maxLength = 64;
        Files.writeString(dir.resolve(ClipSpecialTokens.CONFIG_FILE),
                "{\"pad_token\": {\"content\": \"<|endoftext|>\"}, \"added_tokens_decoder\": {},"
                        + " \"model_max_length\": " + maxLength + "}");
        Files.writeString(dir.resolve(ClipSpecialTokens.MAP_FILE), "{\"pad_token\": \"!\"}");
        ClipSpecialTokens tokens = ClipSpecialTokens.read(dir);
        assertThat(tokens.pad()).isEqualTo(ClipTokenizer.EOS_TOKEN);
        assertThat(tokens.maxLength()).isEqualTo(maxLength);
        assertThat(ClipTokenizer.forModel(dir).encode("cat")).as("padded to the config's length").hasSize(maxLength);
    }

    @Test
    void aPadTokenMissingFromTheVocabularyIsNamed(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve(ClipSpecialTokens.MAP_FILE), "{\"pad_token\": \"<pad>\"}");
        assertThatThrownBy(() -> ClipTokenizer.forModel(dir)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"<pad>\"").hasMessageContaining("padding");
        Files.writeString(dir.resolve(ClipSpecialTokens.MAP_FILE), "{\"pad_token\": 7}");
        assertThatThrownBy(() -> ClipSpecialTokens.read(dir)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(ClipSpecialTokens.MAP_FILE).hasMessageContaining("pad_token");
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).intValue();
        }
        return out;
    }
}
