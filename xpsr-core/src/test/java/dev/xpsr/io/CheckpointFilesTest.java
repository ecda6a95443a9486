package dev.xpsr.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One state dict over a single file or Hugging Face shards, and locating weights in a model folder. */
class CheckpointFilesTest {

    private static final String INDEX = "diffusion_pytorch_model.safetensors.index.json";
    private static final String SHARD_1 = "diffusion_pytorch_model-00001-of-00002.safetensors";
    private static final String SHARD_2 = "diffusion_pytorch_model-00002-of-00002.safetensors";

    @TempDir
    Path dir;

    @Test
    void singleFileExposesItsTensorsAndMetadata() throws IOException {
        Path file = dir.resolve("model.safetensors");
        SafetensorsWriter.write(file, tensors("a", 1f, "b", 2f), Map.of("format", "pt"));

        try (CheckpointFiles ckpt = CheckpointFiles.open(file)) {
            assertThat(ckpt.keys()).containsExactly("a", "b");
            assertThat(ckpt.metadata()).containsEntry("format", "pt");
            assertThat(ckpt.floats("b")).containsExactly(2f);
            assertThat(ckpt.files()).hasSize(1);
        }
    }

    @Test
    void shardedIndexJoinsShardsIntoOneStateDictOpeningEachShardOnce() throws IOException {
        writeShards();
        Files.writeString(dir.resolve(INDEX), "{\"metadata\":{\"total_size\":16},\"weight_map\":{"
                + "\"up.w\":\"" + SHARD_2 + "\",\"down.w\":\"" + SHARD_1 + "\",\"down.b\":\"" + SHARD_1 + "\","
                + "\"up.b\":\"" + SHARD_2 + "\"}}");

        try (CheckpointFiles ckpt = CheckpointFiles.open(dir.resolve(INDEX))) {
            assertThat(ckpt.keys()).containsExactly("up.w", "down.w", "down.b", "up.b");
            assertThat(ckpt.metadata()).containsEntry("total_size", "16");
            assertThat(ckpt.files()).extracting(f -> f.path().getFileName().toString())
                    .containsExactly(SHARD_2, SHARD_1);
            assertThat(ckpt.fileOf("down.b")).isSameAs(ckpt.fileOf("down.w"));
            assertThat(ckpt.floats("down.b")).containsExactly(2f);
            assertThat(ckpt.data("up.b").getFloat(0)).isEqualTo(4f);
            assertThat(ckpt.info("up.w").shape()).containsExactly(1);
            assertThat(ckpt.contains("mid.w")).isFalse();
            assertThatThrownBy(() -> ckpt.info("mid.w")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(INDEX).hasMessageContaining("\"mid.w\"");
        }
    }

    @Test
    void indexListingATensorItsShardLacksIsRejected() throws IOException {
        writeShards();
        Files.writeString(dir.resolve(INDEX), "{\"weight_map\":{\"down.w\":\"" + SHARD_1 + "\",\"down.b\":\""
                + SHARD_1 + "\",\"up.w\":\"" + SHARD_2 + "\",\"up.b\":\"" + SHARD_2 + "\",\"ghost\":\"" + SHARD_1
                + "\"}}");
        assertThatThrownBy(() -> CheckpointFiles.open(dir.resolve(INDEX)))
                .isInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining(INDEX).hasMessageContaining("\"ghost\"").hasMessageContaining(SHARD_1);
    }

    @Test
    void shardTensorMissingFromTheIndexIsRejected() throws IOException {
        writeShards();
        Files.writeString(dir.resolve(INDEX), "{\"weight_map\":{\"down.w\":\"" + SHARD_1 + "\",\"down.b\":\""
                + SHARD_1 + "\",\"up.w\":\"" + SHARD_2 + "\"}}");
        assertThatThrownBy(() -> CheckpointFiles.open(dir.resolve(INDEX)))
                .isInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining("\"up.b\"").hasMessageContaining("does not list it");
    }

    @Test
    void missingShardIsAFileNotFoundNamingTheShard() throws IOException {
        writeShards();
        Files.delete(dir.resolve(SHARD_2));
        Files.writeString(dir.resolve(INDEX), "{\"weight_map\":{\"down.w\":\"" + SHARD_1 + "\",\"up.w\":\""
                + SHARD_2 + "\"}}");
        assertThatThrownBy(() -> CheckpointFiles.open(dir.resolve(INDEX)))
                .isInstanceOf(FileNotFoundException.class)
                .hasMessageContaining(SHARD_2).hasMessageContaining("up.w").hasMessageContaining("incomplete");
    }

    @Test
    void shardNamesThatLeaveTheIndexFolderAreRejected() throws IOException {
        Path inner = Files.createDirectory(dir.resolve("inner"));
        SafetensorsWriter.write(dir.resolve("outside.safetensors"), tensors("x", 1f), null);
        Files.writeString(inner.resolve(INDEX), "{\"weight_map\":{\"x\":\"../outside.safetensors\"}}");
        assertThatThrownBy(() -> CheckpointFiles.open(inner.resolve(INDEX)))
                .isInstanceOf(SafetensorsFormatException.class).hasMessageContaining("../outside.safetensors");
    }

    @Test
    void malformedIndexesAreFormatErrorsNamingTheIndex() throws IOException {
        Path index = dir.resolve(INDEX);
        for (String json : new String[] {"{\"weight_map\":", "[]", "{\"metadata\":{}}", "{\"weight_map\":{}}",
            "{\"weight_map\":{\"a\":1}}", "{\"weight_map\":{\"a\":\"s\",\"a\":\"t\"}}",
            "{\"weight_map\":{\"a\":\"s\"}} x",
            "{\"metadata\":[],\"weight_map\":{\"a\":\"s\"}}"}) {
            Files.writeString(index, json);
            assertThatThrownBy(() -> CheckpointFiles.open(index)).as(json)
                    .isInstanceOf(SafetensorsFormatException.class).hasMessageStartingWith(index.toString());
        }
    }

    @Test
    void findWeightsPrefersDiffusersNamesAndTheRequestedVariant() throws IOException {
        Path unet = Files.createDirectory(dir.resolve("unet"));
        Files.createFile(unet.resolve("diffusion_pytorch_model.safetensors"));
        Files.createFile(unet.resolve("diffusion_pytorch_model.fp16.safetensors"));
        Files.createFile(unet.resolve("model.safetensors"));

        Path plain = unet.resolve("diffusion_pytorch_model.safetensors");
        assertThat(CheckpointFiles.findWeights(unet, null)).isEqualTo(plain);
        assertThat(CheckpointFiles.findWeights(unet, "")).isEqualTo(plain);
        assertThat(CheckpointFiles.findWeights(unet, "fp16"))
                .isEqualTo(unet.resolve("diffusion_pytorch_model.fp16.safetensors"));
    }

    @Test
    void findWeightsFallsBackToTransformersNamesAndShardedIndexes() throws IOException {
        Path text = Files.createDirectory(dir.resolve("text_encoder"));
        Files.createFile(text.resolve("model.safetensors"));
        Files.createFile(text.resolve("model.safetensors.index.fp16.json"));
        Path sharded = Files.createDirectory(dir.resolve("sharded"));
        Files.createFile(sharded.resolve("diffusion_pytorch_model.safetensors.index.json"));
        Files.createFile(sharded.resolve("diffusion_pytorch_model.safetensors.fp16.index.json"));

        assertThat(CheckpointFiles.findWeights(text, null)).isEqualTo(text.resolve("model.safetensors"));
        assertThat(CheckpointFiles.findWeights(text, "fp16"))
                .isEqualTo(text.resolve("model.safetensors.index.fp16.json"));
        assertThat(CheckpointFiles.findWeights(sharded, null))
                .isEqualTo(sharded.resolve("diffusion_pytorch_model.safetensors.index.json"));
        assertThat(CheckpointFiles.findWeights(sharded, "fp16"))
                .isEqualTo(sharded.resolve("diffusion_pytorch_model.safetensors.fp16.index.json"));
    }

    @Test
    void findWeightsWithAVariantDoesNotSilentlyTakeTheFullPrecisionFile() throws IOException {
        Path vae = Files.createDirectory(dir.resolve("vae"));
        Files.createFile(vae.resolve("diffusion_pytorch_model.safetensors"));
        Files.createFile(vae.resolve("diffusion_pytorch_model.bin"));

        assertThatThrownBy(() -> CheckpointFiles.findWeights(vae, "fp16"))
                .isInstanceOf(FileNotFoundException.class)
                .hasMessageContaining(vae.toString()).hasMessageContaining("\"fp16\"")
                .hasMessageContaining("diffusion_pytorch_model.fp16.safetensors")
                .hasMessageContaining("model.fp16.safetensors")
                .hasMessageContaining("diffusion_pytorch_model.safetensors.fp16.index.json");
    }

    @Test
    void findWeightsReportsAMissingFolderAndABadVariant() {
        assertThatThrownBy(() -> CheckpointFiles.findWeights(dir.resolve("nope"), null))
                .isInstanceOf(FileNotFoundException.class).hasMessageContaining("nope");
        assertThatThrownBy(() -> CheckpointFiles.findWeights(dir, "../fp16"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void foundWeightsOpenThroughCheckpointFiles() throws IOException {
        writeShards();
        Files.writeString(dir.resolve(INDEX), "{\"weight_map\":{\"down.w\":\"" + SHARD_1 + "\",\"down.b\":\""
                + SHARD_1 + "\",\"up.w\":\"" + SHARD_2 + "\",\"up.b\":\"" + SHARD_2 + "\"}}");
        try (CheckpointFiles ckpt = CheckpointFiles.open(CheckpointFiles.findWeights(dir, null))) {
            assertThat(ckpt.keys()).hasSize(4);
        }
    }

    private void writeShards() throws IOException {
        SafetensorsWriter.write(dir.resolve(SHARD_1), tensors("down.w", 1f, "down.b", 2f), null);
        SafetensorsWriter.write(dir.resolve(SHARD_2), tensors("up.w", 3f, "up.b", 4f), null);
    }

    private static Map<String, TensorData> tensors(Object... nameValuePairs) {
        Map<String, TensorData> out = new LinkedHashMap<>();
        for (int i = 0; i < nameValuePairs.length; i += 2) {
            out.put((String) nameValuePairs[i],
                    TensorData.ofFloats(new long[] {1}, new float[] {(Float) nameValuePairs[i + 1]}));
        }
        return out;
    }
}
