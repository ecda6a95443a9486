package dev.xpsr.io;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading the real golden fixtures (written by Python's safetensors). The folder comes from the
 * {@code xpsr.golden} system property; a missing folder is a failure, not a skip, so a misconfigured build
 * cannot pass silently. Facts of particular files (sizes, checksums, tensor counts) come from the folder's own
 * {@code manifest.json}, shapes from each file's config and extra.
 */
class SafetensorsGoldenTest {

    static final Path GOLDEN = Path.of(System.getProperty("xpsr.golden", "../fixtures/golden"));
    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<Path> goldenFiles;

    @BeforeAll
    static void findGoldenFiles() throws IOException {
        assertThat(GOLDEN).as("golden fixture folder (set -Dxpsr.golden=DIR)").isDirectory();
        try (Stream<Path> files = Files.list(GOLDEN)) {
            goldenFiles = files.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted()
                    .collect(Collectors.toList());
        }
        assertThat(goldenFiles).as("*.safetensors in " + GOLDEN).isNotEmpty();
    }

    @Test
    void everyGoldenFileOpensAndEveryTensorMapsToItsExactByteCount() throws IOException {
        for (Path file : goldenFiles) {
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                assertThat(f.keys()).as(file.toString()).isNotEmpty();
                assertThat(f.metadata()).as(file.toString()).containsKey("fixture");
                for (TensorInfo info : f.infos()) {
                    ByteBuffer data = f.data(info.name());
                    assertThat((long) data.capacity()).as(info.toString()).isEqualTo(info.byteLength());
                    assertThat(info.dtype()).as(info.toString()).isIn(DType.F32, DType.U8);
                }
            }
        }
    }

    @Test
    void goldenFilesCoverTheirDataBlockWithoutHoles() throws IOException {
        for (Path file : goldenFiles) {
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                long total = f.infos().stream().mapToLong(TensorInfo::byteLength).sum();
                assertThat(f.dataStart() + total).as(file.toString()).isEqualTo(Files.size(file));
                assertThat(f.dataStart() % 8).as("Python pads the header to 8 bytes").isZero();
            }
        }
    }

    @Test
    void everyFileOfTheManifestHasItsSizeChecksumAndTensorCount() throws Exception {
        JsonNode manifest = JSON.readTree(GOLDEN.resolve("manifest.json").toFile());
        JsonNode files = manifest.required("files");
        assertThat(files.size()).as("manifest.json files").isPositive();
        for (JsonNode entry : files) {
            Path file = GOLDEN.resolve(entry.required("file").asText());
            assertThat(file).as("listed in manifest.json").isRegularFile();
            assertThat(Files.size(file)).as(file + " bytes").isEqualTo(entry.required("bytes").asLong());
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
            assertThat(HexFormat.of().formatHex(digest)).as(file + " sha256").isEqualTo(entry.required("sha256").asText());
            if (entry.has("tensors")) {
                try (SafetensorsFile f = SafetensorsFile.open(file)) {
                    assertThat(f.keys()).as(file + " tensors").hasSize(entry.get("tensors").asInt());
                }
            }
        }
    }

    @Test
    void unetTinyHoldsItsConfigShapesAndLittleEndianValues() throws IOException {
        Path path = GOLDEN.resolve("unet_tiny.safetensors");
        try (SafetensorsFile f = SafetensorsFile.open(path)) {
            assertThat(f.metadata()).containsKeys("config", "extra");
            JsonNode config = JSON.readTree(f.metadata().get("config"));
            assertThat(f.keys()).startsWith("conv_in.weight", "conv_in.bias");
            int in = config.required("in_channels").asInt();
            int kernel = config.path("conv_in_kernel").asInt(3);
            assertThat(f.info("conv_in.weight").shape())
                    .containsExactly(config.required("block_out_channels").get(0).asLong(), in, kernel, kernel);

            TensorInfo sample = f.info("input.sample");
            assertThat(sample.dtype()).isEqualTo(DType.F32);
            assertThat(sample.shape()).hasSize(4);
            assertThat(sample.shape()[1]).as("input.sample channels = in_channels").isEqualTo(in);
            float[] values = f.floats("input.sample");
            assertThat(values).hasSize((int) (sample.byteLength() / 4));
            assertThat(values).containsExactly(littleEndianFloats(path, f.dataStart() + sample.begin(), values.length));
        }
    }

    /** {@code count} float32 values read straight from the file at {@code offset}, little-endian. */
    private static float[] littleEndianFloats(Path file, long offset, int count) throws IOException {
        ByteBuffer raw = ByteBuffer.allocate(4 * count).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel channel = FileChannel.open(file)) {
            channel.read(raw, offset);
        }
        raw.flip();
        float[] out = new float[count];
        raw.asFloatBuffer().get(out);
        return out;
    }

    @Test
    void pipelineFixtureHoldsU8Images() throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(GOLDEN.resolve("xpsr_pipeline_tiny.safetensors"))) {
            List<String> u8 = f.keys().stream().filter(k -> k.endsWith("_u8")).collect(Collectors.toList());
            assertThat(u8).isNotEmpty().contains("input.lr_u8");
            for (String key : u8) {
                assertThat(f.info(key).dtype()).as(key).isEqualTo(DType.U8);
            }
            JsonNode lrHw = JSON.readTree(f.metadata().get("extra")).required("sizes").required("lr_hw");
            long h = lrHw.get(0).asLong();
            long w = lrHw.get(1).asLong();
            assertThat(f.info("input.lr_u8").shape()).as("extra.sizes.lr_hw, RGB").containsExactly(h, w, 3);
            float[] pixels = f.floats("input.lr_u8");
            assertThat(pixels).hasSize((int) (h * w * 3));
            for (float v : pixels) {
                assertThat(v).isBetween(0f, 255f).isEqualTo((float) Math.rint(v));
            }
        }
    }

    @Test
    void rewritingAGoldenFileGivesTheSameTensorsAndMetadata(@TempDir Path dir) throws IOException {
        Path copy = dir.resolve("unet_copy.safetensors");
        try (SafetensorsFile original = SafetensorsFile.open(GOLDEN.resolve("unet_tiny.safetensors"))) {
            Map<String, TensorData> tensors = new LinkedHashMap<>();
            for (TensorInfo info : original.infos()) {
                tensors.put(info.name(), new TensorData(info.dtype(), info.shape(), original.data(info.name())));
            }
            SafetensorsWriter.write(copy, tensors, original.metadata());

            try (SafetensorsFile reread = SafetensorsFile.open(copy)) {
                assertThat(reread.metadata()).containsExactlyEntriesOf(original.metadata());
                assertThat(reread.keys()).containsExactlyElementsOf(original.keys());
                for (String key : original.keys()) {
                    assertThat(reread.info(key).shape()).isEqualTo(original.info(key).shape());
                    assertThat(reread.data(key)).as(key).isEqualTo(original.data(key));
                }
            }
        }
    }
}
