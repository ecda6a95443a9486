package dev.xpsr.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * cannot pass silently.
 */
class SafetensorsGoldenTest {

    static final Path GOLDEN = Path.of(System.getProperty("xpsr.golden", "../fixtures/golden"));

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
    void unetTinyHasItsKnownTensorsMetadataAndValues() throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(GOLDEN.resolve("unet_tiny.safetensors"))) {
            assertThat(f.keys()).hasSize(707);
            assertThat(f.metadata()).containsKeys("config", "extra");
            assertThat(f.metadata().get("config")).startsWith("{");
            assertThat(f.keys()).startsWith("conv_in.weight", "conv_in.bias");

            TensorInfo sample = f.info("input.sample");
            assertThat(sample.dtype()).isEqualTo(DType.F32);
            assertThat(sample.shape()).containsExactly(2, 4, 16, 16);
            assertThat(sample.begin()).isEqualTo(1445552);
            assertThat(sample.end()).isEqualTo(1453744);
            float[] values = f.floats("input.sample");
            assertThat(values).hasSize(2048);
            assertThat(values[0]).isEqualTo(-0.2726117670536041f);
            assertThat(values[1]).isEqualTo(0.26840436458587646f);
            assertThat(values[2]).isEqualTo(0.8210617899894714f);
            assertThat(values[3]).isEqualTo(-0.3113640248775482f);
            assertThat(f.info("conv_in.weight").shape()).containsExactly(8, 4, 3, 3);
        }
    }

    @Test
    void pipelineFixtureHoldsU8Images() throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(GOLDEN.resolve("xpsr_pipeline_tiny.safetensors"))) {
            List<String> u8 = f.keys().stream().filter(k -> k.endsWith("_u8")).collect(Collectors.toList());
            assertThat(u8).isNotEmpty().contains("input.lr_u8");
            for (String key : u8) {
                assertThat(f.info(key).dtype()).as(key).isEqualTo(DType.U8);
            }
            assertThat(f.info("input.lr_u8").shape()).containsExactly(24, 40, 3);
            float[] pixels = f.floats("input.lr_u8");
            assertThat(pixels).hasSize(24 * 40 * 3);
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
