package dev.xpsr.io;

import static dev.xpsr.io.RawFiles.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files beyond 2 GB, without writing gigabytes: a sparse 3 GB file (holes cost no disk) holding a tensor
 * whose bytes start past the 2 GB mark, and a single tensor over 2 GB, which cannot be one ByteBuffer.
 */
class SafetensorsLargeFileTest {

    private static final long FILE_SIZE = 3L << 30;
    private static final long HUGE_BYTES = (1L << 31) + 16;
    private static final long FAR_BEGIN = (5L << 29); // 2.5 GiB into the data block

    @TempDir
    static Path dir;

    private static Path file;
    private static long dataStart;

    @BeforeAll
    static void writeSparseFile() throws IOException {
        String json = "{\"huge\":" + entry("U8", "[" + HUGE_BYTES + "]", 0, HUGE_BYTES)
                + ",\"far\":" + entry("F32", "[4]", FAR_BEGIN, FAR_BEGIN + 16) + "}";
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        dataStart = 8 + header.length;
        file = dir.resolve("sparse.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
            raf.write(header);
            raf.setLength(FILE_SIZE);
            raf.seek(dataStart + FAR_BEGIN);
            raf.write(floatBytes(1.5f, -2f, 3.25f, 1e-3f));
            raf.seek(dataStart + (1L << 31));
            raf.write(new byte[] {7, 8, 9});
        }
    }

    @Test
    void tensorStartingPastTwoGigabytesIsMappedAtTheRightOffset() throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.dataStart() + f.info("far").begin()).isGreaterThan(Integer.MAX_VALUE);
            ByteBuffer far = f.data("far");
            assertThat(far.capacity()).isEqualTo(16);
            assertThat(far.getFloat(0)).isEqualTo(1.5f);
            assertThat(f.floats("far")).containsExactly(1.5f, -2f, 3.25f, 1e-3f);
        }
    }

    @Test
    void singleTensorOverTwoGigabytesGivesAClearErrorPointingToPiecewiseReads() throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.info("huge").byteLength()).isEqualTo(HUGE_BYTES);
            assertThatThrownBy(() -> f.data("huge")).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("sparse.safetensors").hasMessageContaining("\"huge\"")
                    .hasMessageContaining(Long.toString(HUGE_BYTES)).hasMessageContaining("data(key, byteOffset");
            assertThatThrownBy(() -> f.floats("huge")).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("\"huge\"");
        }
    }

    @Test
    void piecesOfATensorOverTwoGigabytesCanBeMapped() throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            ByteBuffer piece = f.data("huge", 1L << 31, 16);
            assertThat(piece.capacity()).isEqualTo(16);
            assertThat(piece.isReadOnly()).isTrue();
            assertThat(new byte[] {piece.get(0), piece.get(1), piece.get(2), piece.get(3)})
                    .containsExactly(7, 8, 9, 0);
            assertThatThrownBy(() -> f.data("huge", HUGE_BYTES - 8, 16))
                    .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("\"huge\"");
            assertThatThrownBy(() -> f.data("huge", -1, 1)).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    private static byte[] floatBytes(float... values) {
        ByteBuffer out = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            out.putFloat(v);
        }
        return out.array();
    }
}
