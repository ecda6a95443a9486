package dev.xpsr.io;

import static dev.xpsr.io.RawFiles.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every way a safetensors file can break the format is reported as a {@link SafetensorsFormatException}
 * naming the file (and the tensor, where one is involved) before any tensor is handed out.
 */
class SafetensorsMalformedTest {

    @TempDir
    Path dir;

    // ---- the length prefix ----

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7})
    void fileShorterThanTheLengthPrefixIsRejected(int size) throws IOException {
        Path file = Files.write(dir.resolve("short.safetensors"), new byte[size]);
        assertFormatError(file).hasMessageContaining(size + " bytes").hasMessageContaining("re-download");
    }

    @Test
    void zeroHeaderLengthIsRejected() throws IOException {
        Path file = RawFiles.withLengthPrefix(dir.resolve("zero.safetensors"), 0, new byte[16]);
        assertFormatError(file).hasMessageContaining("header length is 0");
    }

    @Test
    void sixteenByteFileClaimingA2Pow62ByteHeaderIsRejectedWithoutAllocating() throws IOException {
        Path file = RawFiles.withLengthPrefix(dir.resolve("huge.safetensors"), 1L << 62, new byte[8]);
        assertFormatError(file).hasMessageContaining(Long.toString(1L << 62)).hasMessageContaining("only 8 bytes");
    }

    @Test
    void headerLengthWithTheTopBitSetIsShownUnsignedNotNegative() throws IOException {
        Path file = RawFiles.withLengthPrefix(dir.resolve("top.safetensors"), -2L, new byte[8]);
        assertFormatError(file).hasMessageContaining("18446744073709551614").hasMessageNotContaining("-2 bytes");
    }

    @Test
    void headerLengthBeyondTheFileIsRejected() throws IOException {
        byte[] partialHeader = "{\"a\":".getBytes(StandardCharsets.UTF_8);
        Path file = RawFiles.withLengthPrefix(dir.resolve("cut.safetensors"), 100, partialHeader);
        assertFormatError(file).hasMessageContaining("100").hasMessageContaining("only 5 bytes");
    }

    @Test
    void headerLengthOverTheHundredMegabyteLimitIsRejectedEvenWhenTheFileIsThatLarge() throws IOException {
        Path file = dir.resolve("big.safetensors");
        long claimed = SafetensorsHeader.MAX_HEADER_BYTES + 1;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(claimed).array());
            raf.write('{');
            raf.setLength(8 + claimed + 64); // sparse: costs no disk
        }
        assertFormatError(file).hasMessageContaining(Long.toString(claimed)).hasMessageContaining("limit");
    }

    // ---- the JSON ----

    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":", "{\"a\" 1}", "{\"a\":{\"dtype\":\"F32\",}}", "{'a':1}", "{\"a\":tru}"})
    void malformedJsonIsRejected(String json) throws IOException {
        assertFormatError(RawFiles.withHeader(dir.resolve("bad.safetensors"), json, 0))
                .hasMessageContaining("malformed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"[1,2]", "\"text\"", "   {}", "null"})
    void headerThatIsNotAnObjectIsRejected(String json) throws IOException {
        assertFormatError(RawFiles.withHeader(dir.resolve("array.safetensors"), json, 0))
                .hasMessageContaining("'{'");
    }

    @Test
    void contentAfterTheClosingBraceIsRejected() throws IOException {
        assertFormatError(RawFiles.withHeader(dir.resolve("trail.safetensors"), "{} {}", 0))
                .hasMessageContaining("after its closing");
    }

    @Test
    void trailingSpacePaddingIsAccepted() throws IOException {
        Path file = RawFiles.withHeader(dir.resolve("pad.safetensors"), "{}      ", 0);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.keys()).isEmpty();
            assertThat(f.metadata()).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ff", "c080", "eda080", "e282"})
    void invalidUtf8IsRejected(String hexBytesInsideAKey) throws IOException {
        byte[] bad = hex(hexBytesInsideAKey);
        byte[] header = concat("{\"k".getBytes(StandardCharsets.UTF_8), bad, "\":{}}".getBytes(StandardCharsets.UTF_8));
        assertFormatError(RawFiles.withHeaderBytes(dir.resolve("utf.safetensors"), header, 0))
                .hasMessageContaining("UTF-8");
    }

    @Test
    void duplicateTensorKeyIsRejectedNamingTheKey() throws IOException {
        String json = "{\"w.dup\":" + entry("F32", "[1]", 0, 4) + ",\"w.dup\":" + entry("F32", "[1]", 4, 8) + "}";
        assertFormatError(RawFiles.withHeader(dir.resolve("dup.safetensors"), json, 8))
                .hasMessageContaining("w.dup").hasMessageContaining("Duplicate");
    }

    @Test
    void duplicateFieldInsideAnEntryIsRejected() throws IOException {
        String json = "{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        assertFormatError(RawFiles.withHeader(dir.resolve("dupfield.safetensors"), json, 4))
                .hasMessageContaining("dtype").hasMessageContaining("Duplicate");
    }

    @Test
    void duplicateMetadataKeyIsRejected() throws IOException {
        String json = "{\"__metadata__\":{\"a\":\"1\",\"a\":\"2\"}}";
        assertFormatError(RawFiles.withHeader(dir.resolve("dupmeta.safetensors"), json, 0))
                .hasMessageContaining("Duplicate");
    }

    @Test
    void metadataThatIsNotAStringMapIsRejected() throws IOException {
        assertFormatError(RawFiles.withHeader(dir.resolve("m1.safetensors"), "{\"__metadata__\":[]}", 0))
                .hasMessageContaining("__metadata__");
        assertFormatError(RawFiles.withHeader(dir.resolve("m2.safetensors"), "{\"__metadata__\":{\"n\":5}}", 0))
                .hasMessageContaining("\"n\"").hasMessageContaining("not a string");
    }

    @Test
    void nullMetadataReadsAsEmpty() throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(
                RawFiles.withHeader(dir.resolve("nullmeta.safetensors"), "{\"__metadata__\":null}", 0))) {
            assertThat(f.metadata()).isEmpty();
        }
    }

    @Test
    void nestingDeeperThanTheParserLimitIsAFormatErrorNotAStackOverflow() throws IOException {
        String deep = "[".repeat(5000) + "]".repeat(5000);
        String json = "{\"w\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4],\"x\":" + deep + "}}";
        assertFormatError(RawFiles.withHeader(dir.resolve("deep.safetensors"), json, 4))
                .hasMessageContaining("malformed");
    }

    // ---- entries ----

    @ParameterizedTest
    @ValueSource(strings = {"F8_E4M3", "U16", "f32", "float32", ""})
    void unknownDtypeIsRejectedNamingKeyAndCode(String code) throws IOException {
        String json = "{\"enc.w\":" + entry(code, "[1]", 0, 4) + "}";
        assertFormatError(RawFiles.withHeader(dir.resolve("dtype.safetensors"), json, 4), "enc.w")
                .hasMessageContaining("\"" + code + "\"").hasMessageContaining("unsupported dtype");
    }

    @Test
    void negativeShapeDimensionIsRejected() throws IOException {
        String json = "{\"neg\":" + entry("F32", "[2,-1]", 0, 0) + "}";
        assertFormatError(RawFiles.withHeader(dir.resolve("neg.safetensors"), json, 0), "neg")
                .hasMessageContaining("-1").hasMessageContaining("shape");
    }

    @ParameterizedTest
    @ValueSource(strings = {"[1.0]", "[\"2\"]", "[[2]]", "2", "null", "[true]"})
    void shapeThatIsNotAnArrayOfIntegersIsRejected(String shape) throws IOException {
        String json = "{\"s\":" + entry("F32", shape, 0, 4) + "}";
        assertFormatError(RawFiles.withHeader(dir.resolve("shape.safetensors"), json, 4), "s")
                .hasMessageContaining("shape");
    }

    @Test
    void shapeWhoseElementCountOverflowsIsRejected() throws IOException {
        String json = "{\"o\":" + entry("F32", "[4294967296,4294967296]", 0, 4) + "}";
        assertFormatError(RawFiles.withHeader(dir.resolve("overflow.safetensors"), json, 4), "o")
                .hasMessageContaining("[4294967296, 4294967296]").hasMessageContaining("64-bit");
    }

    @Test
    void shapeWithAbsurdRankIsRejected() throws IOException {
        String dims = "[" + "1,".repeat(SafetensorsHeader.MAX_RANK) + "1]";
        String json = "{\"r\":" + entry("F32", dims, 0, 4) + "}";
        assertFormatError(RawFiles.withHeader(dir.resolve("rank.safetensors"), json, 4), "r")
                .hasMessageContaining("more than " + SafetensorsHeader.MAX_RANK);
    }

    @Test
    void dimensionBeyond64BitsIsRejected() throws IOException {
        String json = "{\"b\":" + entry("U8", "[99999999999999999999999]", 0, 1) + "}";
        assertFormatError(RawFiles.withHeader(dir.resolve("bigdim.safetensors"), json, 1), "b")
                .hasMessageContaining("beyond 64 bits");
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "[0]", "[0,4,8]", "[0,-4]", "[0,4.0]", "[\"0\",\"4\"]", "{\"b\":0}",
            "[0,18446744073709551616]"})
    void dataOffsetsThatAreNotTwoNonNegativeIntegersAreRejected(String offsets) throws IOException {
        String json = "{\"off\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":" + offsets + "}}";
        assertFormatError(RawFiles.withHeader(dir.resolve("offsets.safetensors"), json, 4), "off")
                .hasMessageContaining("data_offsets");
    }

    @Test
    void beginAfterEndIsRejected() throws IOException {
        String json = "{\"rev\":" + entry("U8", "[0]", 8, 4) + "}";
        assertFormatError(RawFiles.withHeader(dir.resolve("rev.safetensors"), json, 8), "rev")
                .hasMessageContaining("[8, 4]").hasMessageContaining("begin after end");
    }

    @Test
    void offsetsPastTheEndOfTheDataBlockAreRejected() throws IOException {
        String json = "{\"ok\":" + entry("F32", "[1]", 0, 4) + ",\"past\":" + entry("F32", "[4]", 4, 20) + "}";
        assertFormatError(RawFiles.withHeader(dir.resolve("past.safetensors"), json, 12), "past")
                .hasMessageContaining("[4, 20]").hasMessageContaining("holds 12 bytes");
    }

    @Test
    void hugeOffsetsPastTheEndAreRejectedWithoutMapping() throws IOException {
        long end = Long.MAX_VALUE;
        String json = "{\"far\":" + entry("U8", "[" + (end - 1) + "]", 1, end) + "}";
        assertFormatError(RawFiles.withHeader(dir.resolve("far.safetensors"), json, 16), "far")
                .hasMessageContaining(Long.toString(end));
    }

    @Test
    void byteCountThatDoesNotMatchShapeTimesDtypeSizeIsRejected() throws IOException {
        String json = "{\"mismatch\":" + entry("F32", "[2,3]", 0, 20) + "}";
        assertFormatError(RawFiles.withHeader(dir.resolve("count.safetensors"), json, 24), "mismatch")
                .hasMessageContaining("20 bytes").hasMessageContaining("needs 24").hasMessageContaining("[2, 3]");
    }

    @Test
    void overlappingTensorsAreRejectedNamingBoth() throws IOException {
        String json = "{\"first\":" + entry("F32", "[4]", 0, 16) + ",\"second\":" + entry("F32", "[2]", 8, 16) + "}";
        assertFormatError(RawFiles.withHeader(dir.resolve("overlap.safetensors"), json, 16), "second")
                .hasMessageContaining("\"first\"").hasMessageContaining("[0, 16)").hasMessageContaining("[8, 16)");
    }

    @Test
    void overlapIsFoundWhateverTheHeaderOrder() throws IOException {
        String json = "{\"late\":" + entry("U8", "[4]", 10, 14) + ",\"a\":" + entry("U8", "[4]", 0, 4)
                + ",\"wide\":" + entry("U8", "[8]", 4, 12) + "}";
        assertFormatError(RawFiles.withHeader(dir.resolve("overlap2.safetensors"), json, 14))
                .hasMessageContaining("late").hasMessageContaining("wide");
    }

    @Test
    void holesBetweenTensorsAndEmptyTensorsInsideOthersAreAccepted() throws IOException {
        String json = "{\"a\":" + entry("U8", "[2]", 0, 2) + ",\"gap\":" + entry("U8", "[2]", 6, 8)
                + ",\"empty\":" + entry("F32", "[0]", 1, 1) + "}";
        Path file = RawFiles.withHeader(dir.resolve("holes.safetensors"), json, 12);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.floats("gap")).containsExactly(6, 7);
            assertThat(f.data("empty").capacity()).isZero();
        }
    }

    @Test
    void missingFieldsAreRejectedNamingTheField() throws IOException {
        assertFormatError(RawFiles.withHeader(dir.resolve("f1.safetensors"),
                "{\"x\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "x").hasMessageContaining("\"dtype\"");
        assertFormatError(RawFiles.withHeader(dir.resolve("f2.safetensors"),
                "{\"x\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4), "x").hasMessageContaining("\"shape\"");
        assertFormatError(RawFiles.withHeader(dir.resolve("f3.safetensors"),
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4), "x").hasMessageContaining("\"data_offsets\"");
    }

    @Test
    void entryThatIsNotAnObjectIsRejected() throws IOException {
        assertFormatError(RawFiles.withHeader(dir.resolve("e.safetensors"), "{\"x\":[\"F32\"]}", 0), "x")
                .hasMessageContaining("not an object");
        assertFormatError(RawFiles.withHeader(dir.resolve("d.safetensors"),
                "{\"x\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "x")
                .hasMessageContaining("\"dtype\" is not a string");
    }

    @Test
    void unknownEntryFieldsAreIgnoredAsTheReferenceReaderDoes() throws IOException {
        String json = "{\"x\":{\"dtype\":\"U8\",\"extra\":{\"nested\":[1,2]},\"shape\":[1],\"data_offsets\":[0,1]}}";
        try (SafetensorsFile f = SafetensorsFile.open(RawFiles.withHeader(dir.resolve("extra.safetensors"), json, 1))) {
            assertThat(f.info("x").shape()).containsExactly(1);
        }
    }

    // ---- damaged copies of a real file ----

    @Test
    void truncatedCopiesOfAGoldenFileAreRejected() throws IOException {
        byte[] original = Files.readAllBytes(SafetensorsGoldenTest.GOLDEN.resolve("clip_text_tiny.safetensors"));
        int headerEnd = 8 + (int) ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN).getLong();
        int[] cuts = {0, 3, 8, 9, headerEnd / 2, headerEnd - 1, headerEnd, headerEnd + 100, original.length / 2,
            original.length - 1};
        for (int cut : cuts) {
            Path file = Files.write(dir.resolve("cut_" + cut + ".safetensors"), Arrays.copyOf(original, cut));
            assertFormatError(file).as("cut at %d", cut).hasMessageContaining("re-download");
        }
    }

    @Test
    void randomByteFlipsInAGoldenHeaderGiveAFormatErrorOrAConsistentFile() throws IOException {
        byte[] original = Files.readAllBytes(SafetensorsGoldenTest.GOLDEN.resolve("colorfix.safetensors"));
        int headerEnd = 8 + (int) ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN).getLong();
        Random random = new Random(20240229);
        Path file = dir.resolve("flipped.safetensors");
        int rejected = 0;
        for (int round = 0; round < 400; round++) {
            byte[] copy = original.clone();
            for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
                copy[random.nextInt(headerEnd)] ^= (byte) (1 << random.nextInt(8));
            }
            Files.write(file, copy);
            Throwable thrown = catchThrowable(() -> readEverything(file));
            if (thrown != null) {
                assertThat(thrown).as("round %d", round).isInstanceOf(SafetensorsFormatException.class)
                        .hasMessageStartingWith(file.toString());
                rejected++;
            }
        }
        assertThat(rejected).as("most flips break something").isGreaterThan(100);
    }

    // ---- misuse of an open file ----

    @Test
    void missingFileIsNoSuchFile() {
        Path file = dir.resolve("absent.safetensors");
        assertThatThrownBy(() -> SafetensorsFile.open(file)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("absent.safetensors");
    }

    @Test
    void absentKeyIsAnIllegalArgumentNamingFileAndKey() throws IOException {
        Path file = RawFiles.withHeader(dir.resolve("one.safetensors"), "{\"x\":" + entry("U8", "[1]", 0, 1) + "}", 1);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.contains("x")).isTrue();
            assertThat(f.contains("y")).isFalse();
            assertThatThrownBy(() -> f.info("y")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("one.safetensors").hasMessageContaining("\"y\"");
            assertThatThrownBy(() -> f.data("y")).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void dataAfterCloseIsAnIllegalStateButEarlierBuffersStayReadable() throws IOException {
        String json = "{\"x\":" + entry("U8", "[3]", 0, 3) + "}";
        Path file = RawFiles.withHeader(dir.resolve("closed.safetensors"), json, 3);
        SafetensorsFile f = SafetensorsFile.open(file);
        ByteBuffer before = f.data("x");
        f.close();
        f.close();
        assertThatThrownBy(() -> f.data("x")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThat(before.get(2)).isEqualTo((byte) 2);
    }

    private static void readEverything(Path file) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (TensorInfo info : f.infos()) {
                if (info.byteLength() <= Integer.MAX_VALUE) {
                    assertThat((long) f.data(info.name()).capacity()).isEqualTo(info.byteLength());
                }
            }
        }
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertFormatError(Path file) {
        return assertThatThrownBy(() -> SafetensorsFile.open(file)).isInstanceOf(SafetensorsFormatException.class)
                .hasMessageStartingWith(file.toString());
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertFormatError(Path file, String key) {
        return assertFormatError(file).hasMessageContaining("tensor \"" + key + "\"")
                .matches(e -> key.equals(((SafetensorsFormatException) e).key()), "key() is " + key);
    }

    private static byte[] hex(String hex) {
        byte[] out = new byte[hex.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        ByteBuffer out = ByteBuffer.allocate(Arrays.stream(parts).mapToInt(p -> p.length).sum());
        for (byte[] p : parts) {
            out.put(p);
        }
        return out.array();
    }
}
