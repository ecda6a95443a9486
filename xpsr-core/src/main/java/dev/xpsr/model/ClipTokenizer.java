package dev.xpsr.model;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CLIP byte-level BPE tokenizer that reproduces Hugging Face transformers 4.36's <em>slow</em>
 * {@code CLIPTokenizer} (the tokenizer of Stable Diffusion 1.5 and therefore of XPSR) as called by the
 * pipelines: {@code tokenizer(text, padding="max_length", max_length=77, truncation=True).input_ids}.
 *
 * <p>Pipeline, as in transformers: the text is split around the literal special tokens
 * {@code <|startoftext|>} / {@code <|endoftext|>} and the pad token (they are added tokens, so they map straight
 * to their ids; SD-2.x's pad token {@code "!"} therefore splits the text at every {@code "!"});
 * every other piece is normalised (see {@link Normalization}), cut into words by CLIP's regex
 * {@code <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+}
 * (case-insensitive), each word is UTF-8 encoded, its bytes mapped to GPT-2's printable byte alphabet, the
 * last symbol gets {@code </w>}, and the symbols are merged greedily by merge rank. Tokens missing from the
 * vocabulary map to the unknown token, which for CLIP is {@code <|endoftext|>}. The ids are wrapped in
 * {@code <|startoftext|>} ... {@code <|endoftext|>}, truncated from the right to {@code maxLength} and padded
 * with the pad token: {@code <|endoftext|>} in SD-1.x, {@code "!"} (id 0) in SD-2.x, as the folder's tokenizer
 * files say ({@link ClipSpecialTokens}).
 *
 * <p><b>Normalisation choice.</b> transformers picks the normaliser by whether the {@code ftfy} package is
 * importable: with it, {@code whitespace_clean(ftfy.fix_text(t)).lower()}; without it, silently, BERT's
 * {@code BasicTokenizer}. XPSR's requirements (transformers 4.36.2, diffusers 0.21.4) do not pull in ftfy,
 * so a stock XPSR install runs the BasicTokenizer path; {@link Normalization#HF_BASIC} is that path,
 * reproduced exactly, and is the default. {@link Normalization#FTFY_LIKE} approximates the ftfy path (ftfy's
 * mojibake repair is heuristic and not reproduced). The two agree on plain ASCII prompts, which XPSR's
 * prompts usually are; they differ on curly quotes, HTML entities, CJK ideographs and control characters.
 * Character properties come from the JDK (Unicode 13 on Java 17), so characters assigned in later Unicode
 * versions may be classified differently than by a newer Python.
 *
 * <p>Vocabulary files have the standard format ({@code vocab.json}: token to id; {@code merges.txt}: a
 * header line, then one "left right" merge per line, rank = line order). Like transformers, only the first
 * 48,894 merges are read. Stricter than transformers, a first line that is not a {@code #} header or a merge
 * line without exactly two symbols is rejected instead of silently ignored. Any vocabulary works (e.g.
 * renumbered subsets); the special token ids are looked up in it. Instances are immutable and thread-safe.
 */
public final class ClipTokenizer {

    /** How text is normalised before BPE; see the class comment for why {@link #HF_BASIC} is the default. */
    public enum Normalization {
        /** transformers without ftfy: BERT BasicTokenizer(strip_accents=False, do_split_on_punc=False). */
        HF_BASIC,
        /** transformers with ftfy: whitespace_clean(fix_text(t)).lower(), fix_text approximated. */
        FTFY_LIKE
    }

    public static final String BOS_TOKEN = "<|startoftext|>";
    public static final String EOS_TOKEN = "<|endoftext|>";
    public static final int DEFAULT_MAX_LENGTH = 77;

    /** transformers reads lines[1 : 49152 - 256 - 2 + 1] of merges.txt: at most 48,894 merges. */
    static final int MAX_MERGES = 49152 - 256 - 2;

    private static final String END_OF_WORD = "</w>";
    private static final String RESOURCE_DIR = "/dev/xpsr/tokenizer/clip/";
    /** Bound on the per-vocabulary word cache so a long-running process cannot grow it without limit. */
    private static final int WORD_CACHE_LIMIT = 100_000;

    private static final Pattern WORD_PATTERN = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS);

    private static final char[] BYTE_TO_UNICODE = buildByteToUnicode();

    private final Vocabulary vocab;
    private final ClipSpecialTokens specials;
    /** The tokens the text is split at, {@link ClipSpecialTokens#added()}. */
    private final List<String> addedTokens;
    private final int bosId;
    private final int eosId;
    private final int unkId;
    private final int padId;
    private final Normalization normalization;
    private final int maxLength;

    /** Immutable vocabulary + merge ranks, shared by every configured copy of a tokenizer. */
    private static final class Vocabulary {
        final Map<String, Integer> encoder;
        /** Merge rank keyed by "left right" (symbols never contain whitespace). */
        final Map<String, Integer> ranks;
        /** Where the vocabulary was read from, for error messages. */
        final String source;
        /** BPE result per byte-encoded word, as transformers' self.cache. */
        final Map<String, String[]> wordCache = new ConcurrentHashMap<>();

        Vocabulary(Map<String, Integer> encoder, Map<String, Integer> ranks, String source) {
            this.encoder = encoder;
            this.ranks = ranks;
            this.source = source;
        }

        /** The id of a special token, which must be in the vocabulary. */
        int specialId(String token, String role) {
            Integer id = encoder.get(token);
            if (id == null) {
                throw new IllegalArgumentException(source + ": missing special token key " + quote(token)
                        + " (the " + role + " token)");
            }
            return id;
        }
    }

    private ClipTokenizer(Vocabulary vocab, ClipSpecialTokens specials, Normalization normalization, int maxLength) {
        this.vocab = vocab;
        this.specials = specials;
        this.addedTokens = specials.added();
        this.bosId = vocab.specialId(specials.bos(), "begin-of-text");
        this.eosId = vocab.specialId(specials.eos(), "end-of-text");
        this.unkId = vocab.specialId(specials.unk(), "unknown");
        this.padId = vocab.specialId(specials.pad(), "padding");
        this.normalization = normalization;
        this.maxLength = maxLength;
    }

    // ------------------------------------------------------------------ construction

    /**
     * Reads {@code dir/vocab.json} and {@code dir/merges.txt}, with the special tokens and padded length of
     * {@code dir/tokenizer_config.json} and {@code dir/special_tokens_map.json} where present
     * ({@link ClipSpecialTokens#read}).
     */
    public static ClipTokenizer fromFolder(Path dir) throws IOException {
        Objects.requireNonNull(dir, "dir");
        return fromFiles(dir.resolve("vocab.json"), dir.resolve("merges.txt")).withSpecialTokens(
                ClipSpecialTokens.read(dir));
    }

    /**
     * The tokenizer of a diffusers {@code tokenizer/} folder: its own vocabulary when it has one, else the bundled
     * CLIP table (which every Stable Diffusion 1.x / 2.x tokenizer shares); its special tokens either way, so an
     * SD-2.x folder pads with {@code "!"}.
     */
    public static ClipTokenizer forModel(Path dir) throws IOException {
        if (Files.isRegularFile(dir.resolve("vocab.json"))) {
            return fromFolder(dir);
        }
        return bundled().withSpecialTokens(ClipSpecialTokens.read(dir));
    }

    /**
     * Reads a vocabulary/merges pair.
     *
     * @throws NoSuchFileException if a file is missing (its message is the path)
     * @throws IllegalArgumentException naming the file and the offending line, key or position if a file is
     *     malformed or the vocabulary lacks a special token
     */
    public static ClipTokenizer fromFiles(Path vocabJson, Path mergesTxt) throws IOException {
        Objects.requireNonNull(vocabJson, "vocabJson");
        Objects.requireNonNull(mergesTxt, "mergesTxt");
        String vocabText = decodeUtf8(readFile(vocabJson), vocabJson.toString());
        String mergesText = decodeUtf8(readFile(mergesTxt), mergesTxt.toString());
        return create(vocabText, vocabJson.toString(), mergesText, mergesTxt.toString());
    }

    /**
     * A vocabulary/merges pair already read, e.g. from a jar resource; the names label errors.
     *
     * @throws IllegalArgumentException naming the source and the offending line, key or position if a text is
     *     malformed or the vocabulary lacks a special token
     */
    public static ClipTokenizer fromText(String vocabJson, String vocabName, String mergesTxt, String mergesName) {
        Objects.requireNonNull(vocabJson, "vocabJson");
        Objects.requireNonNull(mergesTxt, "mergesTxt");
        return create(vocabJson, vocabName, mergesTxt, mergesName);
    }

    /** The full CLIP vocabulary (49,408 tokens) bundled in the jar; loaded once, shared. */
    public static ClipTokenizer bundled() {
        return BundledHolder.INSTANCE;
    }

    /** Lazy, thread-safe initialisation by the class-loading guarantee. */
    private static final class BundledHolder {
        static final ClipTokenizer INSTANCE = loadBundled();
    }

    private static ClipTokenizer loadBundled() {
        String vocabName = RESOURCE_DIR + "vocab.json";
        String mergesName = RESOURCE_DIR + "merges.txt";
        try {
            String vocabText = decodeUtf8(readResource(vocabName), "classpath:" + vocabName);
            String mergesText = decodeUtf8(readResource(mergesName), "classpath:" + mergesName);
            return create(vocabText, "classpath:" + vocabName, mergesText, "classpath:" + mergesName);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bundled CLIP vocabulary", e);
        }
    }

    /** Same vocabulary, other normalisation. */
    public ClipTokenizer withNormalization(Normalization n) {
        return new ClipTokenizer(vocab, specials, Objects.requireNonNull(n, "normalization"), maxLength);
    }

    /** Same vocabulary, other padded length; it must leave room for the two special tokens. */
    public ClipTokenizer withMaxLength(int n) {
        if (n < 2) {
            throw new IllegalArgumentException("maxLength must be >= 2 (BOS + EOS), got " + n);
        }
        return new ClipTokenizer(vocab, specials, normalization, n);
    }

    /**
     * Same vocabulary, other special tokens (each must be in the vocabulary) and their {@code model_max_length}.
     *
     * @throws IllegalArgumentException naming the vocabulary and the token when one is missing from it
     */
    public ClipTokenizer withSpecialTokens(ClipSpecialTokens tokens) {
        return new ClipTokenizer(vocab, Objects.requireNonNull(tokens, "tokens"), normalization, tokens.maxLength());
    }

    private static ClipTokenizer create(String vocabText, String vocabName, String mergesText, String mergesName) {
        Map<String, Integer> encoder = parseVocab(vocabText, vocabName);
        Map<String, Integer> ranks = parseMerges(mergesText, mergesName);
        return new ClipTokenizer(new Vocabulary(encoder, ranks, vocabName), ClipSpecialTokens.DEFAULTS,
                Normalization.HF_BASIC, DEFAULT_MAX_LENGTH);
    }

    // ------------------------------------------------------------------ public API

    public Normalization normalization() {
        return normalization;
    }

    public int maxLength() {
        return maxLength;
    }

    /**
     * The normalised text that transformers hands to the word regex. Text containing literal special tokens
     * is normalised piecewise around them, as transformers does; the pieces are joined with single spaces.
     */
    public String normalize(String text) {
        List<String> parts = new ArrayList<>();
        for (String piece : splitOnSpecialTokens(Objects.requireNonNull(text, "text"))) {
            String part = isSpecialToken(piece) ? piece : normalizePiece(piece);
            if (!part.isEmpty()) {
                parts.add(part);
            }
        }
        return String.join(" ", parts);
    }

    /** The BPE token strings of {@code text} (normalised first), i.e. transformers' {@code tokenize(text)}. */
    public List<String> bpeTokens(String text) {
        List<String> tokens = new ArrayList<>();
        for (String piece : splitOnSpecialTokens(Objects.requireNonNull(text, "text"))) {
            if (isSpecialToken(piece)) {
                tokens.add(piece);
            } else {
                Matcher words = WORD_PATTERN.matcher(normalizePiece(piece));
                while (words.find()) {
                    tokens.addAll(Arrays.asList(bpe(byteEncode(words.group()))));
                }
            }
        }
        return tokens;
    }

    /** {@code [bos, ids..., eos]} without truncation or padding. */
    public int[] encodeUntruncated(String text) {
        return wrap(tokenIds(text), Integer.MAX_VALUE);
    }

    /**
     * {@code padding="max_length", truncation=True}: bos + the first {@code maxLength - 2} ids + eos, then
     * pad ids up to {@code maxLength}.
     */
    public int[] encode(String text) {
        int[] wrapped = wrap(tokenIds(text), maxLength - 2);
        int[] padded = Arrays.copyOf(wrapped, maxLength);
        Arrays.fill(padded, wrapped.length, maxLength, padId());
        return padded;
    }

    /** {@link #encode} per text as a {@code [B, maxLength]} array, the text encoder's input_ids. */
    public long[][] encodeBatch(List<String> texts) {
        long[][] batch = new long[texts.size()][];
        for (int i = 0; i < batch.length; i++) {
            batch[i] = Arrays.stream(encode(texts.get(i))).asLongStream().toArray();
        }
        return batch;
    }

    public int bosId() {
        return bosId;
    }

    public int eosId() {
        return eosId;
    }

    /** The padding id: {@code <|endoftext|>} in SD-1.x, {@code "!"} (0) in SD-2.x. */
    public int padId() {
        return padId;
    }

    /** The special tokens this tokenizer adds, splits the text at and pads with. */
    public ClipSpecialTokens specialTokens() {
        return specials;
    }

    /** Number of vocabulary entries (transformers' {@code vocab_size}); ids need not be contiguous. */
    public int vocabSize() {
        return vocab.encoder.size();
    }

    // ------------------------------------------------------------------ tokenisation

    private String normalizePiece(String piece) {
        return normalization == Normalization.HF_BASIC
                ? ClipTextNormalizer.hfBasic(piece)
                : ClipTextNormalizer.ftfyLike(piece);
    }

    private int[] tokenIds(String text) {
        return bpeTokens(text).stream().mapToInt(this::tokenId).toArray();
    }

    /** transformers' _convert_token_to_id: unknown tokens become the unk token ({@code <|endoftext|>} in SD). */
    private int tokenId(String token) {
        return vocab.encoder.getOrDefault(token, unkId);
    }

    private int[] wrap(int[] ids, int keep) {
        int n = Math.min(ids.length, keep);
        int[] out = new int[n + 2];
        out[0] = bosId;
        System.arraycopy(ids, 0, out, 1, n);
        out[n + 1] = eosId;
        return out;
    }

    /**
     * transformers' added-token trie split: every occurrence of an added token (bos, eos, unk, pad) becomes a
     * piece of its own, the earliest first and the longest of those starting there; the text between them is
     * normalised and tokenised separately. With SD-2.x's pad token this cuts the text at every {@code "!"}.
     */
    List<String> splitOnSpecialTokens(String text) {
        List<String> pieces = new ArrayList<>();
        int pos = 0;
        while (pos < text.length()) {
            int next = -1;
            String special = null;
            for (String token : addedTokens) {
                int at = text.indexOf(token, pos);
                if (at >= 0 && (next < 0 || at < next || (at == next && token.length() > special.length()))) {
                    next = at;
                    special = token;
                }
            }
            if (next < 0) {
                break;
            }
            if (next > pos) {
                pieces.add(text.substring(pos, next));
            }
            pieces.add(special);
            pos = next + special.length();
        }
        if (pos < text.length()) {
            pieces.add(text.substring(pos));
        }
        return pieces;
    }

    private boolean isSpecialToken(String piece) {
        return addedTokens.contains(piece);
    }

    /** The words transformers' BPE cache is seeded with: they are never split. */
    private static boolean isCachedSpecialWord(String word) {
        return word.equals(BOS_TOKEN) || word.equals(EOS_TOKEN);
    }

    /** UTF-8 bytes of a word, each mapped to its printable stand-in from GPT-2's bytes_to_unicode table. */
    private static String byteEncode(String word) {
        byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
        char[] chars = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            chars[i] = BYTE_TO_UNICODE[bytes[i] & 0xFF];
        }
        return new String(chars);
    }

    /** BPE of one byte-encoded word, cached; the special tokens are pre-seeded as transformers does. */
    private String[] bpe(String word) {
        if (isCachedSpecialWord(word)) {
            return new String[] {word};
        }
        String[] cached = vocab.wordCache.get(word);
        if (cached != null) {
            return cached;
        }
        String[] merged = mergeWord(word);
        if (vocab.wordCache.size() >= WORD_CACHE_LIMIT) {
            vocab.wordCache.clear();
        }
        vocab.wordCache.put(word, merged);
        return merged;
    }

    /**
     * Greedy BPE: start from single symbols (the last one carrying {@code </w>}), repeatedly merge every
     * left-to-right, non-overlapping occurrence of the adjacent pair with the lowest merge rank, until no
     * adjacent pair is a known merge or one symbol is left.
     */
    private String[] mergeWord(String word) {
        List<String> symbols = new ArrayList<>(word.length());
        for (int i = 0; i < word.length() - 1; i++) {
            symbols.add(String.valueOf(word.charAt(i)));
        }
        symbols.add(word.charAt(word.length() - 1) + END_OF_WORD);
        while (symbols.size() > 1) {
            int bestIndex = lowestRankedPair(symbols);
            if (bestIndex < 0) {
                break;
            }
            symbols = mergeAll(symbols, symbols.get(bestIndex), symbols.get(bestIndex + 1));
        }
        return symbols.toArray(new String[0]);
    }

    /** Index of the adjacent pair with the lowest rank, or -1 if no adjacent pair is a merge. */
    private int lowestRankedPair(List<String> symbols) {
        int bestRank = Integer.MAX_VALUE;
        int bestIndex = -1;
        for (int i = 0; i < symbols.size() - 1; i++) {
            Integer rank = vocab.ranks.get(symbols.get(i) + " " + symbols.get(i + 1));
            if (rank != null && rank < bestRank) {
                bestRank = rank;
                bestIndex = i;
            }
        }
        return bestIndex;
    }

    private static List<String> mergeAll(List<String> symbols, String first, String second) {
        List<String> merged = new ArrayList<>(symbols.size());
        int i = 0;
        while (i < symbols.size()) {
            if (i < symbols.size() - 1 && symbols.get(i).equals(first) && symbols.get(i + 1).equals(second)) {
                merged.add(first + second);
                i += 2;
            } else {
                merged.add(symbols.get(i));
                i++;
            }
        }
        return merged;
    }

    /**
     * GPT-2's bytes_to_unicode: printable Latin-1 bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') map to themselves,
     * the remaining 68 bytes to U+0100, U+0101, ... in byte order, so no byte becomes whitespace or a control.
     */
    private static char[] buildByteToUnicode() {
        char[] table = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            table[b] = (char) (printable ? b : next++);
        }
        return table;
    }

    // ------------------------------------------------------------------ file parsing

    private static byte[] readFile(Path file) throws IOException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            NoSuchFileException named = new NoSuchFileException(file.toString(), null,
                    "CLIP tokenizer file not found");
            named.initCause(e);
            throw named;
        }
    }

    private static byte[] readResource(String name) throws IOException {
        try (InputStream in = ClipTokenizer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new NoSuchFileException("classpath:" + name, null, "bundled CLIP tokenizer resource missing");
            }
            return in.readAllBytes();
        }
    }

    /** Strict UTF-8, as Python's open(..., encoding="utf-8") would fail on bad bytes too. */
    private static String decodeUtf8(byte[] bytes, String name) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(name + ": not valid UTF-8 (" + e + ")", e);
        }
    }

    /** vocab.json: one JSON object mapping each token to a non-negative integer id. */
    private static Map<String, Integer> parseVocab(String text, String name) {
        JsonNode root;
        try {
            root = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new IllegalArgumentException(name + ": malformed JSON" + where + ": " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(name + ": expected a JSON object mapping token to id");
        }
        Map<String, Integer> encoder = new HashMap<>(root.size() * 2);
        for (Map.Entry<String, JsonNode> entry : root.properties()) {
            JsonNode id = entry.getValue();
            if (!id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0) {
                throw new IllegalArgumentException(name + ": key " + quote(entry.getKey())
                        + " has id " + id + ", expected a non-negative integer");
            }
            encoder.put(entry.getKey(), id.intValue());
        }
        return Map.copyOf(encoder);
    }

    /**
     * merges.txt as transformers reads it: the whole file stripped, split on '\n', the first line skipped as
     * the header (it must start with '#'), then at most {@link #MAX_MERGES} lines of two whitespace-separated
     * symbols; rank = position. A repeated pair keeps its last rank, as Python's dict(zip(...)) does.
     */
    private static Map<String, Integer> parseMerges(String text, String name) {
        String body = ClipTextNormalizer.pythonStrip(text);
        int firstLine = 1 + countNewlines(text, leadingWhitespaceLength(text));
        String[] lines = body.split("\n", -1);
        if (body.isEmpty() || !lines[0].startsWith("#")) {
            throw new IllegalArgumentException(name + ": line " + firstLine
                    + ": expected a '#version' header line before the merges");
        }
        int count = Math.min(lines.length - 1, MAX_MERGES);
        Map<String, Integer> ranks = new HashMap<>(count * 2);
        for (int rank = 0; rank < count; rank++) {
            String[] pair = splitPythonWhitespace(lines[rank + 1]);
            if (pair.length != 2) {
                throw new IllegalArgumentException(name + ": line " + (firstLine + rank + 1)
                        + ": expected two symbols separated by a space, got " + quote(lines[rank + 1]));
            }
            ranks.put(pair[0] + " " + pair[1], rank);
        }
        return Map.copyOf(ranks);
    }

    /** Length of the leading whitespace that the strip() above removed, to report file line numbers. */
    private static int leadingWhitespaceLength(String text) {
        int i = 0;
        while (i < text.length() && ClipTextNormalizer.isPythonSpace(text.codePointAt(i))) {
            i += Character.charCount(text.codePointAt(i));
        }
        return i;
    }

    private static int countNewlines(String text, int end) {
        int n = 0;
        for (int i = 0; i < end; i++) {
            if (text.charAt(i) == '\n') {
                n++;
            }
        }
        return n;
    }

    private static String[] splitPythonWhitespace(String line) {
        List<String> parts = new ArrayList<>(2);
        StringBuilder current = new StringBuilder();
        line.codePoints().forEach(cp -> {
            if (ClipTextNormalizer.isPythonSpace(cp)) {
                if (current.length() > 0) {
                    parts.add(current.toString());
                    current.setLength(0);
                }
            } else {
                current.appendCodePoint(cp);
            }
        });
        if (current.length() > 0) {
            parts.add(current.toString());
        }
        return parts.toArray(new String[0]);
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "\\r") + "\"";
    }
}
