package dev.xpsr.model;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.xpsr.testing.FuzzContract;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes a tokenizer folder ({@link ClipTokenizer#fromFiles}): the input is {@code vocab.json}, {@code merges.txt}
 * and a prompt ({@link FuzzContract#parts}). Any files give a tokenizer that encodes the prompt to
 * {@code max_length} ids, or an {@link IllegalArgumentException} naming the file at fault.
 */
class ClipTokenizerFuzzTest {
    private static final Path DIR = FuzzContract.scratch("tokenizer");

    @Timeout(60)
    @FuzzTest
    void encodesWithinTheVocabularyOrRefusesNamingTheFile(byte[] input) throws Exception {
        byte[][] parts = FuzzContract.parts(input, 3);
        Path vocab = FuzzContract.write(DIR, "vocab.json", parts[0]);
        Path merges = FuzzContract.write(DIR, "merges.txt", parts[1]);
        ClipTokenizer tokenizer = FuzzContract.resultOrRefusal(() -> ClipTokenizer.fromFiles(vocab, merges),
                IllegalArgumentException.class, vocab, merges);
        if (tokenizer != null) {
            assertThat(tokenizer.encode(new String(parts[2], StandardCharsets.UTF_8))).hasSize(tokenizer.maxLength());
        }
    }
}
