package dev.xpsr.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.xpsr.bench.RandomWeights;
import dev.xpsr.io.RgbImage;
import dev.xpsr.io.SafetensorsWriter;
import dev.xpsr.io.TensorData;
import dev.xpsr.model.ClipTokenizer;
import dev.xpsr.nn.Module;
import dev.xpsr.nn.WeightMismatchException;
import dev.xpsr.testing.RestoresThreadCount;
import dev.xpsr.torch.ImageTensors;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Placement;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** CLIP-IQA: prompt tokens, the RN50 checkpoint layout, the image normalisation and the score on photos. */
@ExtendWith(RestoresThreadCount.class)
class ClipIqaTest {
    private static final Logger LOG = LoggerFactory.getLogger(ClipIqaTest.class);
    private static final int[] TINY_BLOCKS = {1, 2, 1, 1};
    private static final int TINY_WIDTH = 8;
    private static final int TINY_TEXT_LAYERS = 2;

    /** Holds the tiny checkpoint, written once for the tests that only need some weights. */
    @TempDir
    static Path shared;

    @BeforeAll
    static void start() {
        // one intra-op thread: small operations spin-wait badly on a shared machine
        NativeStartup.ensureStarted(1);
    }

    // ---------------------------------------------------------------- tokens

    /**
     * {@code clip.tokenize}: start-of-text 49406, the BPE ids, end-of-text 49407, zeros to 77. Word ids are looked
     * up in the vocabulary file directly; "a photo of a cat" is the example of OpenAI's CLIP notebooks.
     */
    @Test
    void promptsAreTokenisedAsOpenAiClipTokenize() throws Exception {
        JsonNode vocab;
        try (InputStream in = ClipTokenizer.class.getResourceAsStream("/dev/xpsr/tokenizer/clip/vocab.json")) {
            vocab = new ObjectMapper().readTree(in);
        }
        long[][] ids = ClipIqa.tokenize(ClipTokenizer.bundled(), List.of("Good photo.", "Bad photo.",
                "a photo of a cat"), 77);
        long[] good = padded(49406, vocab.get("good</w>").asLong(), vocab.get("photo</w>").asLong(),
                vocab.get(".</w>").asLong(), 49407);
        long[] bad = padded(49406, vocab.get("bad</w>").asLong(), vocab.get("photo</w>").asLong(),
                vocab.get(".</w>").asLong(), 49407);
        assertThat(ids[0]).containsExactly(good);
        assertThat(ids[1]).containsExactly(bad);
        assertThat(ids[2]).containsExactly(padded(49406, 320, 1125, 539, 320, 2368, 49407));

        long[][] prompts = ClipIqa.tokenize(ClipTokenizer.bundled(), ClipIqa.PROMPTS, 77);
        assertThat(prompts[8]).startsWith(49406, vocab.get("noise</w>").asLong(), vocab.get("-</w>").asLong(),
                vocab.get("free</w>").asLong(), vocab.get("image</w>").asLong(), 49407, 0);
        for (long[] row : prompts) {
            assertThat(row).hasSize(77).startsWith(49406).containsOnlyOnce(49407L);
        }
        assertThatThrownBy(() -> ClipIqa.tokenize(ClipTokenizer.bundled(), List.of("photo ".repeat(80)), 77))
                .hasMessageContaining("context length 77");
    }

    private static long[] padded(long... ids) {
        long[] out = new long[77];
        System.arraycopy(ids, 0, out, 0, ids.length);
        return out;
    }

    // ---------------------------------------------------------------- checkpoint layout

    /** The keys and shapes of OpenAI's RN50 state dict, from clip/model.py's module structure. */
    @Test
    void fullSizeTowersHaveTheRn50KeysAndShapes() {
        try (PointerScope scope = new PointerScope()) {
            ClipResNet visual = new ClipResNet(new int[] {3, 4, 6, 3}, 64, 1024, 7);
            assertThat(new TreeSet<>(visual.stateDict().keySet())).isEqualTo(visualKeys(new int[] {3, 4, 6, 3}));
            Map<String, Tensor> v = visual.stateDict();
            assertThat(Torch.shape(v.get("conv1.weight"))).containsExactly(32, 3, 3, 3);
            assertThat(Torch.shape(v.get("layer1.0.downsample.0.weight"))).containsExactly(256, 64, 1, 1);
            assertThat(Torch.shape(v.get("layer3.0.conv2.weight"))).containsExactly(256, 256, 3, 3);
            assertThat(Torch.shape(v.get("layer4.2.conv3.weight"))).containsExactly(2048, 512, 1, 1);
            assertThat(Torch.shape(v.get("attnpool.positional_embedding"))).containsExactly(50, 2048);
            assertThat(Torch.shape(v.get("attnpool.c_proj.weight"))).containsExactly(1024, 2048);
            release(visual);
            ClipTextTower text = new ClipTextTower(49408, 77, 512, 8, 12, 1024);
            assertThat(new TreeSet<>(text.stateDict().keySet())).isEqualTo(textKeys(12));
            Map<String, Tensor> t = text.stateDict();
            assertThat(Torch.shape(t.get("token_embedding.weight"))).containsExactly(49408, 512);
            assertThat(Torch.shape(t.get("transformer.resblocks.11.attn.in_proj_weight"))).containsExactly(1536, 512);
            assertThat(Torch.shape(t.get("transformer.resblocks.0.mlp.c_fc.weight"))).containsExactly(2048, 512);
            assertThat(Torch.shape(t.get("text_projection"))).containsExactly(512, 1024);
            release(text);
        }
    }

    private static void release(Module m) {
        m.stateDict().values().forEach(Tensor::releaseReference);
    }

    /** {@code ModifiedResNet} keys (without the {@code visual.} prefix). */
    private static TreeSet<String> visualKeys(int[] blocks) {
        TreeSet<String> keys = new TreeSet<>();
        for (int i = 1; i <= 3; i++) {
            keys.add("conv" + i + ".weight");
            bn(keys, "bn" + i);
        }
        for (int s = 0; s < 4; s++) {
            for (int b = 0; b < blocks[s]; b++) {
                String p = "layer" + (s + 1) + "." + b + ".";
                for (int i = 1; i <= 3; i++) {
                    keys.add(p + "conv" + i + ".weight");
                    bn(keys, p + "bn" + i);
                }
                if (b == 0) {
                    // every first block changes the width (64 → 256) or strides
                    keys.add(p + "downsample.0.weight");
                    bn(keys, p + "downsample.1");
                }
            }
        }
        keys.add("attnpool.positional_embedding");
        for (String proj : List.of("q_proj", "k_proj", "v_proj", "c_proj")) {
            keys.add("attnpool." + proj + ".weight");
            keys.add("attnpool." + proj + ".bias");
        }
        return keys;
    }

    private static void bn(TreeSet<String> keys, String prefix) {
        for (String s : List.of("weight", "bias", "running_mean", "running_var")) {
            keys.add(prefix + "." + s);
        }
    }

    /** The text keys at the top level of the CLIP state dict. */
    private static TreeSet<String> textKeys(int layers) {
        TreeSet<String> keys = new TreeSet<>(List.of("token_embedding.weight", "positional_embedding",
                "ln_final.weight", "ln_final.bias", "text_projection"));
        for (int i = 0; i < layers; i++) {
            String p = "transformer.resblocks." + i + ".";
            for (String k : List.of("attn.in_proj_weight", "attn.in_proj_bias", "attn.out_proj.weight",
                    "attn.out_proj.bias", "ln_1.weight", "ln_1.bias", "mlp.c_fc.weight", "mlp.c_fc.bias",
                    "mlp.c_proj.weight", "mlp.c_proj.bias", "ln_2.weight", "ln_2.bias")) {
                keys.add(p + k);
            }
        }
        return keys;
    }

    private static Map<String, TensorData> tinyCheckpoint;

    /**
     * A random state dict in the checkpoint's layout, with the entries the real file has beyond the weights;
     * made once per class (its 49,408-row token embedding takes a while), returned as a copy.
     */
    static synchronized Map<String, TensorData> tinyCheckpoint() {
        if (tinyCheckpoint == null) {
            tinyCheckpoint = makeTinyCheckpoint(5);
        }
        return new LinkedHashMap<>(tinyCheckpoint);
    }

    private static Map<String, TensorData> makeTinyCheckpoint(long seed) {
        Map<String, TensorData> sd = new LinkedHashMap<>();
        try (PointerScope scope = new PointerScope()) {
            ClipResNet visual = new ClipResNet(TINY_BLOCKS, TINY_WIDTH, 32, 7);
            RandomWeights.stateDict(visual, seed).forEach((k, v) -> sd.put("visual." + k, v));
            ClipTextTower text = new ClipTextTower(49408, 77, 64, 1, TINY_TEXT_LAYERS, 32);
            sd.putAll(RandomWeights.stateDict(text, seed + 1));
            release(visual);
            release(text);
        }
        sd.put("logit_scale", TensorData.ofFloats(new long[] {}, new float[] {4.6052f}));
        sd.put("input_resolution", TensorData.ofLongs(new long[] {}, new long[] {224}));
        sd.put("context_length", TensorData.ofLongs(new long[] {}, new long[] {77}));
        sd.put("vocab_size", TensorData.ofLongs(new long[] {}, new long[] {49408}));
        sd.put("visual.bn1.num_batches_tracked", TensorData.ofLongs(new long[] {}, new long[] {0}));
        return sd;
    }

    @Test
    void checkpointLoadsThroughTheRegistryAndAWrongShapeIsNamed(@TempDir Path dir) throws Exception {
        Map<String, TensorData> sd = tinyCheckpoint();
        SafetensorsWriter.write(dir.resolve("RN50.safetensors"), sd, null);
        MetricRegistry.Entry<Metric> entry = MetricRegistry.standard(MetricRegistry.Settings.defaults(dir, dir))
                .entry("clipiqa");
        assertThat(entry.available()).isTrue();
        Metric m = entry.metric();
        assertThat(m).isInstanceOf(ClipIqa.class);
        assertThat(m.description()).contains("RN50.safetensors");
        assertThat(m.needsReference()).isFalse();
        assertThat(m.higherIsBetter()).isTrue();

        sd.put("visual.layer2.1.conv2.weight", TensorData.ofFloats(new long[] {16, 16, 1, 3}, new float[768]));
        Path bad = dir.resolve("bad");
        Files.createDirectories(bad);
        SafetensorsWriter.write(bad.resolve("w.safetensors"), sd, null);
        try (WeightOpener.Opened w = WeightOpener.standard().open(bad.resolve("w.safetensors"))) {
            assertThatThrownBy(() -> ClipIqa.load(List.of(w), Placement.CPU_FP32))
                    .isInstanceOf(WeightMismatchException.class)
                    .hasMessageContaining("layer2.1.conv2.weight").hasMessageContaining("[16, 16, 1, 3]");
        }
    }

    /**
     * The golden fixtures' storage: only the token-embedding rows the prompts use ({@code _rows} + {@code _row_ids},
     * ids as float32) and {@code logit_scale} of shape [1]. It must load as the dense checkpoint whose other rows
     * are zero, and a row id outside the vocabulary is refused by name.
     */
    @Test
    void sparseTokenRowsAndAOneElementLogitScaleLoadAsTheDenseCheckpoint(@TempDir Path dir) throws Exception {
        Map<String, TensorData> dense = tinyCheckpoint();
        float[] table = new float[49408 * 64];
        dense.get("token_embedding.weight").bytes().asFloatBuffer().get(table);
        TreeSet<Long> used = new TreeSet<>();
        for (long[] row : ClipIqa.tokenize(ClipTokenizer.bundled(), ClipIqa.PROMPTS, 77)) {
            Arrays.stream(row).forEach(used::add);
        }
        float[] kept = new float[table.length];
        float[] rows = new float[used.size() * 64];
        float[] ids = new float[used.size()];
        int r = 0;
        for (long id : used) {
            System.arraycopy(table, (int) id * 64, kept, (int) id * 64, 64);
            System.arraycopy(table, (int) id * 64, rows, r * 64, 64);
            ids[r++] = id;
        }
        dense.put("token_embedding.weight", TensorData.ofFloats(new long[] {49408, 64}, kept));
        Map<String, TensorData> sparse = new LinkedHashMap<>(dense);
        sparse.remove("token_embedding.weight");
        sparse.put("token_embedding.weight_rows", TensorData.ofFloats(new long[] {ids.length, 64}, rows));
        sparse.put("token_embedding.weight_row_ids", TensorData.ofFloats(new long[] {ids.length}, ids));
        sparse.put("logit_scale", TensorData.ofFloats(new long[] {1}, new float[] {4.6052f}));
        SafetensorsWriter.write(dir.resolve("dense.safetensors"), dense, null);
        SafetensorsWriter.write(dir.resolve("sparse.safetensors"), sparse, null);
        List<RgbImage> photos = List.of(FidTest.randomImage(64, 72, 3), FidTest.randomImage(96, 64, 4));
        try (WeightOpener.Opened d = WeightOpener.standard().open(dir.resolve("dense.safetensors"));
             WeightOpener.Opened s = WeightOpener.standard().open(dir.resolve("sparse.safetensors"))) {
            ClipIqa fromDense = ClipIqa.load(List.of(d), Placement.CPU_FP32);
            ClipIqa fromSparse = ClipIqa.load(List.of(s), Placement.CPU_FP32);
            assertThat(fromSparse.architecture()).isEqualTo(fromDense.architecture());
            assertThat(Torch.toFloats(fromSparse.textFeatures()))
                    .containsExactly(Torch.toFloats(fromDense.textFeatures()));
            assertThat(fromSparse.logitScale()).isEqualTo(fromDense.logitScale());
            assertThat(fromSparse.scores(photos)).containsExactly(fromDense.scores(photos));
        }
        ids[ids.length - 1] = 49408;
        sparse.put("token_embedding.weight_row_ids", TensorData.ofFloats(new long[] {ids.length}, ids));
        SafetensorsWriter.write(dir.resolve("bad.safetensors"), sparse, null);
        try (WeightOpener.Opened b = WeightOpener.standard().open(dir.resolve("bad.safetensors"))) {
            assertThatThrownBy(() -> ClipIqa.load(List.of(b), Placement.CPU_FP32))
                    .hasMessageContaining("token_embedding.weight_row_ids").hasMessageContaining("49408");
        }
    }

    @Test
    void registryNamesTheFileTheUrlAndTheConversion(@TempDir Path empty) {
        MetricRegistry.Entry<Metric> e = MetricRegistry.standard(MetricRegistry.Settings.defaults(empty, empty))
                .entry("clipiqa");
        assertThat(e.available()).isFalse();
        assertThat(e.unavailableReason().orElseThrow()).contains("RN50.pt").contains("openaipublic")
                .contains("torch.jit.load").contains("RN50.safetensors");
    }

    /**
     * OpenAI's RN50.pt is a TorchScript archive: its data.pkl builds {@code __torch__} module objects, which the
     * state-dict reader refuses; the metric then reports itself unavailable with the conversion to use.
     */
    @Test
    void aTorchScriptArchiveIsRefusedWithTheConversion(@TempDir Path dir) throws Exception {
        // PROTO 2, GLOBAL __torch__.model CLIP, EMPTY_TUPLE, NEWOBJ, EMPTY_DICT, BUILD, STOP
        byte[] pickle = "\u0080\u0002c__torch__.model\nCLIP\n)\u0081}b.".getBytes(StandardCharsets.ISO_8859_1);
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(dir.resolve("RN50.pt")))) {
            stored(zip, "RN50/data.pkl", pickle);
            stored(zip, "RN50/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
        MetricRegistry.Entry<Metric> e = MetricRegistry.standard(MetricRegistry.Settings.defaults(dir, dir))
                .entry("clipiqa");
        assertThat(e.available()).isTrue();
        assertThatThrownBy(e::metric).isInstanceOf(MetricUnavailableException.class)
                .hasMessageContaining("RN50.pt").hasMessageContaining("torch.jit.load");
        assertThat(e.available()).isFalse();
        LOG.info("TorchScript archive: {}", e.unavailableReason().orElseThrow());
    }

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws Exception {
        ZipEntry entry = new ZipEntry(name);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        entry.setCrc(crc.getValue());
        zip.putNextEntry(entry);
        zip.write(data);
        zip.closeEntry();
    }

    // ---------------------------------------------------------------- input and score

    @Test
    void imagesAreNormalisedWithClipMeanAndStd() throws Exception {
        ClipIqa clip = tiny();
        RgbImage img = FidTest.randomImage(40, 36, 4);
        float[] got = Torch.toFloats(clip.normalised(ImageTensors.toTensor(img)));
        float[] mean = {0.48145466f, 0.4578275f, 0.40821073f};
        float[] std = {0.26862954f, 0.26130258f, 0.27577711f};
        for (int y = 0; y < 36; y++) {
            for (int x = 0; x < 40; x++) {
                for (int c = 0; c < 3; c++) {
                    float want = (img.get(x, y, c) / 255f - mean[c]) / std[c];
                    assertThat(got[(c * 36 + y) * 40 + x]).isCloseTo(want, within(1e-6f));
                }
            }
        }
    }

    /** score = mean over pairs of e^{s·g} / (e^{s·g} + e^{s·b}), recomputed here from the normalised features. */
    @Test
    void scoresOfPhotosFollowThePairSoftmaxAndDoNotDependOnTheBatch() throws Exception {
        ClipIqa clip = tiny();
        // crops keep the test fast; two sizes, since CLIP-IQA scores images at their own size
        List<RgbImage> photos = FidTest.photos("opencv_baboon.png", "skimage_astronaut.png", "opencv_chicky_512.png",
                "opencv_dnn_superres_butterfly_set5.png", "skimage_chelsea.png").stream()
                .map(p -> p.width() == 256 ? p.crop(40, 50, 96, 112) : p.crop(100, 60, 160, 128)).toList();
        double[] batch = clip.scores(photos);
        assertThat(tiny().scores(photos)).containsExactly(batch);
        double[][] text = rows(clip.unitTextFeatures(), 10);
        double scale = clip.logitScale();
        assertThat(scale).isCloseTo(Math.exp(4.6052), within(1e-3));
        for (int i = 0; i < photos.size(); i++) {
            RgbImage p = photos.get(i);
            assertThat(clip.score(p, null)).as("alone %d", i).isCloseTo(batch[i], within(1e-6));
            assertThat(batch[i]).isBetween(0.0, 1.0);
            double[] f;
            try (PointerScope scope = new PointerScope()) {
                f = unit(rows(clip.outputs(ImageTensors.toTensor(p)).imageFeatures(), 1)[0]);
            }
            double sum = 0;
            for (int k = 0; k < 5; k++) {
                double g = scale * dot(f, text[2 * k]);
                double b = scale * dot(f, text[2 * k + 1]);
                sum += 1 / (1 + Math.exp(b - g));
            }
            assertThat(batch[i]).as("photo %d", i).isCloseTo(sum / 5, within(1e-5));
        }
        LOG.info("tiny CLIP-IQA scores {}", Arrays.toString(batch));
        assertThat(new TreeSet<>(Arrays.stream(batch).boxed().toList())).hasSizeGreaterThan(1);
    }

    private static synchronized ClipIqa tiny() throws Exception {
        Path file = shared.resolve("tiny.safetensors");
        if (!Files.exists(file)) {
            SafetensorsWriter.write(file, tinyCheckpoint(), null);
        }
        try (WeightOpener.Opened w = WeightOpener.standard().open(file)) {
            return ClipIqa.load(List.of(w), Placement.CPU_FP32);
        }
    }

    private static double[][] rows(Tensor t, int n) {
        double[] flat = Torch.toDoubles(t);
        int d = flat.length / n;
        double[][] out = new double[n][d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(flat, i * d, out[i], 0, d);
        }
        return out;
    }

    private static double[] unit(double[] v) {
        double norm = Math.sqrt(dot(v, v));
        return Arrays.stream(v).map(x -> x / norm).toArray();
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
