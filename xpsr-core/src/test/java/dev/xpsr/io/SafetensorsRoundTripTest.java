package dev.xpsr.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Writing with {@link SafetensorsWriter} and reading back with {@link SafetensorsFile}. */
class SafetensorsRoundTripTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(DType.class)
    void everyDtypeRoundTripsBitExactly(DType dtype) throws IOException {
        byte[] raw = randomBytes(dtype, 2 * 3 * 5, 42);
        TensorData tensor = TensorData.ofBytes(dtype, new long[] {2, 3, 5}, raw);
        Path file = dir.resolve("t.safetensors");
        SafetensorsWriter.write(file, Map.of("t", tensor), Map.of());

        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            TensorInfo info = f.info("t");
            assertThat(info.dtype()).isEqualTo(dtype);
            assertThat(info.shape()).containsExactly(2, 3, 5);
            assertThat(info.numel()).isEqualTo(30);
            assertThat(info.byteLength()).isEqualTo(30L * dtype.byteSize());
            assertThat(bytesOf(f.data("t"))).isEqualTo(raw);
        }
    }

    @Test
    void scalarHasEmptyShapeAndOneElement() throws IOException {
        Path file = dir.resolve("s.safetensors");
        SafetensorsWriter.write(file, Map.of("s", TensorData.ofFloats(new long[0], new float[] {3.5f})), null);

        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.info("s").shape()).isEmpty();
            assertThat(f.info("s").rank()).isZero();
            assertThat(f.info("s").numel()).isEqualTo(1);
            assertThat(f.floats("s")).containsExactly(3.5f);
        }
    }

    @Test
    void emptyTensorsTakeNoBytesAndReadAsEmptyBuffers() throws IOException {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("before", TensorData.ofFloats(new long[] {2}, new float[] {1, 2}));
        tensors.put("empty", TensorData.ofFloats(new long[] {0, 7}, new float[0]));
        tensors.put("after", TensorData.ofInts(new long[] {1}, new int[] {9}));
        Path file = dir.resolve("e.safetensors");
        SafetensorsWriter.write(file, tensors, Map.of());

        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.info("empty").shape()).containsExactly(0, 7);
            assertThat(f.info("empty").begin()).isEqualTo(f.info("empty").end()).isEqualTo(8);
            assertThat(f.data("empty").capacity()).isZero();
            assertThat(f.floats("empty")).isEmpty();
            assertThat(f.floats("after")).containsExactly(9f);
        }
    }

    @Test
    void metadataRoundTripsInOrderIncludingUnicodeAndJsonText() throws IOException {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put("config", "{\"in_channels\": 4, \"quote\": \"\\\"\"}");
        metadata.put("note", "ünïcødé ✓ 超分辨率");
        metadata.put("empty", "");
        Path file = dir.resolve("m.safetensors");
        SafetensorsWriter.write(file, Map.of("x", TensorData.ofFloats(new long[] {1}, new float[] {1})), metadata);

        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.metadata()).containsExactlyEntriesOf(metadata);
        }
    }

    @Test
    void fileWithoutMetadataHasEmptyMetadataAndNoMetadataKey() throws IOException {
        Path file = dir.resolve("n.safetensors");
        SafetensorsWriter.write(file, Map.of("x", TensorData.ofFloats(new long[] {1}, new float[] {1})), Map.of());

        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.metadata()).isEmpty();
            assertThat(f.keys()).containsExactly("x");
        }
        assertThat(headerText(file)).doesNotContain("__metadata__");
    }

    @Test
    void keysKeepTheWritersOrderNotSortedOrder() throws IOException {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (String name : List.of("zeta", "alpha", "mid.0", "mid.10", "mid.2", "Beta")) {
            tensors.put(name, TensorData.ofFloats(new long[] {1}, new float[] {name.length()}));
        }
        Path file = dir.resolve("o.safetensors");
        SafetensorsWriter.write(file, tensors, Map.of());

        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.keys()).containsExactly("zeta", "alpha", "mid.0", "mid.10", "mid.2", "Beta");
            assertThat(f.infos()).extracting(TensorInfo::name).containsExactlyElementsOf(f.keys());
            assertThat(f.floats("mid.10")).containsExactly(6f);
        }
    }

    @Test
    void tensorsArePackedBackToBackAndHeaderIsPaddedToEightBytes() throws IOException {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("u8", TensorData.ofBytes(DType.U8, new long[] {3}, new byte[] {1, 2, 3}));
        tensors.put("f64", TensorData.ofDoubles(new long[] {2}, new double[] {1.5, -2.25}));
        Path file = dir.resolve("p.safetensors");
        SafetensorsWriter.write(file, tensors, Map.of("k", "v"));

        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.dataStart() % 8).isZero();
            assertThat(f.info("u8").begin()).isZero();
            assertThat(f.info("f64").begin()).isEqualTo(3);
            assertThat(Files.size(file)).isEqualTo(f.dataStart() + 3 + 16);
            assertThat(f.data("f64").getDouble(8)).isEqualTo(-2.25);
        }
        assertThat(headerText(file)).endsWith(" ").startsWith("{\"__metadata__\":{\"k\":\"v\"}");
    }

    @Test
    void dataIsReadOnlyLittleEndianAndExactlyTheTensor() throws IOException {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("a", TensorData.ofInts(new long[] {2}, new int[] {0x01020304, -1}));
        tensors.put("b", TensorData.ofLongs(new long[] {1}, new long[] {Long.MIN_VALUE}));
        Path file = dir.resolve("r.safetensors");
        SafetensorsWriter.write(file, tensors, Map.of());

        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            ByteBuffer a = f.data("a");
            assertThat(a.isReadOnly()).isTrue();
            assertThat(a.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
            assertThat(a.position()).isZero();
            assertThat(a.capacity()).isEqualTo(8);
            assertThat(a.get(0)).isEqualTo((byte) 0x04);
            assertThat(a.getInt(0)).isEqualTo(0x01020304);
            assertThat(f.data("b").getLong(0)).isEqualTo(Long.MIN_VALUE);
        }
    }

    @Test
    void floatsConvertEveryDtype() throws IOException {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("f64", TensorData.ofDoubles(new long[] {2}, new double[] {0.1, -3}));
        tensors.put("f32", TensorData.ofFloats(new long[] {2}, new float[] {0.1f, -3}));
        tensors.put("f16", TensorData.ofFloats(DType.F16, new long[] {2}, new float[] {0.1f, -3}));
        tensors.put("bf16", TensorData.ofFloats(DType.BF16, new long[] {2}, new float[] {0.1f, -3}));
        tensors.put("i64", TensorData.ofLongs(new long[] {2}, new long[] {1L << 40, -3}));
        tensors.put("i32", TensorData.ofInts(new long[] {2}, new int[] {70000, -3}));
        tensors.put("i16", TensorData.ofShorts(DType.I16, new long[] {2}, new short[] {-32768, -3}));
        tensors.put("i8", TensorData.ofBytes(DType.I8, new long[] {2}, new byte[] {-128, -3}));
        tensors.put("u8", TensorData.ofBytes(DType.U8, new long[] {2}, new byte[] {(byte) 255, 3}));
        tensors.put("bool", TensorData.ofBooleans(new long[] {2}, new boolean[] {true, false}));
        Path file = dir.resolve("c.safetensors");
        SafetensorsWriter.write(file, tensors, Map.of());

        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.floats("f64")).containsExactly(0.1f, -3f);
            assertThat(f.floats("f32")).containsExactly(0.1f, -3f);
            assertThat(f.floats("f16")).containsExactly(0.0999755859375f, -3f);
            assertThat(f.floats("bf16")).containsExactly(0.10009765625f, -3f);
            assertThat(f.floats("i64")).containsExactly(1099511627776f, -3f);
            assertThat(f.floats("i32")).containsExactly(70000f, -3f);
            assertThat(f.floats("i16")).containsExactly(-32768f, -3f);
            assertThat(f.floats("i8")).containsExactly(-128f, -3f);
            assertThat(f.floats("u8")).containsExactly(255f, 3f);
            assertThat(f.floats("bool")).containsExactly(1f, 0f);
        }
    }

    @Test
    void rewritingReplacesTheFileAndLeavesNoTemporaryFiles() throws IOException {
        Path file = dir.resolve("w.safetensors");
        SafetensorsWriter.write(file, Map.of("old", TensorData.ofFloats(new long[] {1}, new float[] {1})), null);
        SafetensorsFile stillOpen = SafetensorsFile.open(file);
        ByteBuffer oldBytes = stillOpen.data("old");

        SafetensorsWriter.write(file, Map.of("new", TensorData.ofFloats(new long[] {2}, new float[] {2, 3})), null);

        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.keys()).containsExactly("new");
        }
        // The rename left the old inode alone, so a reader that had it open still sees the old data.
        assertThat(oldBytes.getFloat(0)).isEqualTo(1f);
        stillOpen.close();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void failedWriteLeavesTheOldFileAndNoTemporaryFile() throws IOException {
        Path file = dir.resolve("keep.safetensors");
        SafetensorsWriter.write(file, Map.of("x", TensorData.ofFloats(new long[] {1}, new float[] {7})), null);
        Map<String, TensorData> bad = new LinkedHashMap<>();
        bad.put("__metadata__", TensorData.ofFloats(new long[] {1}, new float[] {1}));

        assertThatThrownBy(() -> SafetensorsWriter.write(file, bad, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("__metadata__");

        try (SafetensorsFile f = SafetensorsFile.open(file); Stream<Path> files = Files.list(dir)) {
            assertThat(f.floats("x")).containsExactly(7f);
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void writerAcceptsAMappedTensorFromAnotherFileWithoutCopyingItFirst() throws IOException {
        Path first = dir.resolve("first.safetensors");
        SafetensorsWriter.write(first, Map.of("x", TensorData.ofFloats(new long[] {2, 2}, new float[] {1, 2, 3, 4})),
                null);
        Path second = dir.resolve("second.safetensors");
        try (SafetensorsFile f = SafetensorsFile.open(first)) {
            TensorInfo info = f.info("x");
            SafetensorsWriter.write(second, Map.of("y", new TensorData(info.dtype(), info.shape(), f.data("x"))),
                    null);
        }
        try (SafetensorsFile f = SafetensorsFile.open(second)) {
            assertThat(f.floats("y")).containsExactly(1, 2, 3, 4);
        }
    }

    @Test
    void writerRejectsNullValuesAndNullMetadataEntries() {
        Path file = dir.resolve("x.safetensors");
        Map<String, TensorData> nullValue = new LinkedHashMap<>();
        nullValue.put("t", null);
        Map<String, String> nullMeta = new LinkedHashMap<>();
        nullMeta.put("k", null);
        TensorData one = TensorData.ofFloats(new long[] {1}, new float[] {1});

        assertThatThrownBy(() -> SafetensorsWriter.write(file, nullValue, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"t\"");
        assertThatThrownBy(() -> SafetensorsWriter.write(file, Map.of("t", one), nullMeta))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("k");
        assertThat(file).doesNotExist();
    }

    @Test
    void tensorDataRejectsAByteCountThatDoesNotMatchTheShape() {
        assertThatThrownBy(() -> TensorData.ofFloats(new long[] {2, 2}, new float[3]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("16").hasMessageContaining("12");
        assertThatThrownBy(() -> TensorData.ofBytes(DType.U8, new long[] {-1}, new byte[0]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
        assertThatThrownBy(() -> TensorData.ofFloats(DType.I32, new long[] {1}, new float[1]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("I32");
    }

    @Test
    void tensorDataIsImmuneToLaterChangesOfTheCallersBufferPositionAndShapeArray() {
        ByteBuffer buffer = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1f).putFloat(2f).flip();
        long[] shape = {2};
        TensorData t = new TensorData(DType.F32, shape, buffer);
        buffer.position(4);
        shape[0] = 99;

        assertThat(t.shape()).containsExactly(2);
        assertThat(t.bytes().remaining()).isEqualTo(8);
        assertThat(t.bytes().getFloat(4)).isEqualTo(2f);
        assertThat(t.bytes().isReadOnly()).isTrue();
    }

    private static byte[] randomBytes(DType dtype, int count, long seed) {
        byte[] raw = new byte[count * dtype.byteSize()];
        new Random(seed).nextBytes(raw);
        if (dtype == DType.BOOL) {
            for (int i = 0; i < raw.length; i++) {
                raw[i] = (byte) (raw[i] & 1);
            }
        }
        return raw;
    }

    private static byte[] bytesOf(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }

    private static String headerText(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        int n = (int) ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return new String(all, 8, n, StandardCharsets.UTF_8);
    }
}
