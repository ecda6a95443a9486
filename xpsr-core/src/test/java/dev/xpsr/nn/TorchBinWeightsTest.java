package dev.xpsr.nn;

import com.fasterxml.jackson.databind.JsonNode;
import dev.xpsr.golden.Golden;
import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.io.DType;
import dev.xpsr.io.JsonConfig;
import dev.xpsr.io.TensorInfo;
import dev.xpsr.io.TorchCheckpointException;
import dev.xpsr.io.TorchPickle.StorageRef;
import dev.xpsr.io.TorchPickle.TensorRef;
import dev.xpsr.model.UNet2DConditionModel;
import dev.xpsr.nn.TorchSaveFiles.Call;
import dev.xpsr.nn.TorchSaveFiles.OrderedState;
import dev.xpsr.nn.TorchSaveFiles.Pickled;
import dev.xpsr.nn.TorchSaveFiles.Raw;
import dev.xpsr.nn.TorchSaveFiles.View;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.ByteVector;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipFile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link TorchBinWeights} on files written as {@code torch.save} writes them ({@link TorchSaveFiles}, checked
 * byte for byte against CPython's pickler) and as libtorch's {@code pickle_save} writes them.
 */
class TorchBinWeightsTest {
    /**
     * CPython 3.11 {@code pickle} output, protocol 2 and 4, for what {@code torch.save} pickles for
     * {@code OrderedDict(w=float32 tensor [2] in storage '0')} with {@code _metadata = {'': {'version': 1}}}
     * (torch's classes stubbed, its reduce and persistent-id functions reproduced).
     */
    private static final String CPYTHON_PROTOCOL_2 = "800263636f6c6c656374696f6e730a4f726465726564446963740a710029"
            + "527101580100000077710263746f7263682e5f7574696c730a5f72656275696c645f74656e736f725f76320a71032828580700"
            + "000073746f72616765710463746f7263680a466c6f617453746f726167650a710558010000003071065803000000637075710"
            + "74b02747108514b004b028571094b0185710a8968002952710b74710c52710d737d710e58090000005f6d6574616461746171"
            + "0f680029527110580000000071117d7112580700000076657273696f6e71134b01737373622e";
    private static final String CPYTHON_PROTOCOL_4 = "800495bd000000000000008c0b636f6c6c656374696f6e73948c0b4f72"
            + "6465726564446963749493942952948c0177948c0c746f7263682e5f7574696c73948c125f72656275696c645f74656e736f"
            + "725f763294939428288c0773746f72616765948c05746f726368948c0c466c6f617453746f726167659493948c0130948c03"
            + "637075944b027494514b004b0285944b01859489680229529474945294737d948c095f6d657461646174619468022952948c"
            + "00947d948c0776657273696f6e944b01737373622e";

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        NativeStartup.ensureStarted();
    }

    // ---------------------------------------------------------------- fixtures

    @Test
    void fixtureWriterMatchesCPythonsPicklerByteForByte() {
        Tensor w = Torch.fromFloats(new float[] {1.5f, -2f}, 2);
        byte[] pickle = TorchSaveFiles.pickle(new OrderedState(Map.of("w", w), Map.of("", Map.of("version", 1L))))
                .pickle();
        assertThat(HexFormat.of().formatHex(pickle)).isEqualTo(CPYTHON_PROTOCOL_2);
    }

    @Test
    void pickleSaveWritesTheTorchSaveZipLayoutWithATypeTaggedDictAndLoads() throws Exception {
        // JavaCPP cannot construct a c10::Dict, so the GenericDict comes from libtorch's own loader
        Map<String, Object> sample = sample();
        IValue dict = torch.pickle_load(new ByteVector(TorchSaveFiles.save(sample, "archive")));
        assertThat(dict.isGenericDict()).isTrue();
        Path file = write("pickle_save.bin", torch.pickle_save(dict).get());

        try (ZipFile zip = new ZipFile(file.toFile())) {
            assertThat(zip.stream().map(e -> e.getName()).toList()).contains("archive/data.pkl", "archive/data/0",
                    "archive/data/3", "archive/version", "archive/byteorder");
            String pickle = new String(zip.getInputStream(zip.getEntry("archive/data.pkl")).readAllBytes(),
                    StandardCharsets.ISO_8859_1);
            assertThat(pickle).startsWith("\u0080\u0002ctorch.jit._pickle\nrestore_type_tag\n")
                    .contains("ctorch._utils\n_rebuild_tensor_v2\n", "ctorch\nBFloat16Storage\n");
        }
        try (TorchBinWeights w = TorchBinWeights.open(file)) {
            assertSameTensors(w, sample);
        }
    }

    // ---------------------------------------------------------------- what loads

    @Test
    void stateDictOrderedDictRoundTripsKeysDtypesShapesAndBytes() throws Exception {
        Map<String, Object> sample = sample();
        Path file = write("diffusion_pytorch_model.bin", TorchSaveFiles.save(
                new OrderedState(sample, Map.of("", Map.of("version", 1L))), "diffusion_pytorch_model"));
        try (TorchBinWeights w = TorchBinWeights.open(file)) {
            assertThat(w.describe()).isEqualTo(file.toString());
            assertThat(w.keys()).containsExactly("f32", "f16", "bf16", "i64", "scalar", "empty");
            assertThat(w.info("f32")).isEqualTo(new TensorInfo("f32", DType.F32, new long[] {2, 3}, 0, 24));
            assertThat(w.info("f16").dtype()).isEqualTo(DType.F16);
            assertThat(w.info("bf16").dtype()).isEqualTo(DType.BF16);
            assertThat(w.info("i64")).isEqualTo(new TensorInfo("i64", DType.I64, new long[] {3}, 0, 24));
            assertThat(w.info("scalar").shape()).isEmpty();
            assertThat(w.info("empty").shape()).containsExactly(0, 4);
            assertSameTensors(w, sample);
        }
    }

    @Test
    void keysWithNulAndNonBmpCharactersSurviveExactly() throws Exception {
        Map<String, Object> odd = new LinkedHashMap<>();
        odd.put("with\u0000nul", Torch.fromFloats(new float[] {1}, 1));
        odd.put("emoji\uD83D\uDE00.weight", Torch.fromFloats(new float[] {2}, 1));
        odd.put("\u00fcn\u00efc\u00f6d\u00e9", Torch.fromFloats(new float[] {3}, 1));
        Path file = write("odd.bin", TorchSaveFiles.save(odd, "odd"));
        try (TorchBinWeights w = TorchBinWeights.open(file)) {
            assertSameTensors(w, odd);
        }
    }

    @Test
    void plainDictAndStateDictWrapperLoadTheSameTensors() throws Exception {
        Map<String, Object> sample = sample();
        Map<String, Object> wrapper = new LinkedHashMap<>();
        wrapper.put("epoch", 3L);
        wrapper.put("state_dict", new OrderedState(sample, null));
        wrapper.put("hyper_parameters", Map.of("lr", "1e-4"));
        for (Object root : List.of(sample, wrapper)) {
            Path file = write("model.bin", TorchSaveFiles.save(root, "model"));
            try (TorchBinWeights w = TorchBinWeights.open(file)) {
                assertSameTensors(w, sample);
            }
        }
    }

    @Test
    void protocol4PickleFromCPythonLoads() throws Exception {
        Map<String, byte[]> records = new LinkedHashMap<>();
        records.put("data.pkl", HexFormat.of().parseHex(CPYTHON_PROTOCOL_4));
        records.put("data/0", Torch.toBytes(Torch.fromFloats(new float[] {1.5f, -2f}, 2)));
        records.put("version", TorchSaveFiles.ascii("3\n"));
        Path file = write("p4.bin", TorchSaveFiles.zipRecords("p4", records));
        try (TorchBinWeights w = TorchBinWeights.open(file)) {
            assertThat(w.keys()).containsExactly("w");
            assertThat(floats(w.data("w"))).containsExactly(1.5f, -2f);
        }
    }

    @Test
    void stridedViewsAndSharedStoragesComeBackContiguous() throws Exception {
        Tensor base = Torch.fromFloats(new float[] {0, 1, 2, 3, 4, 5}, 2, 3);
        Map<String, Object> views = new LinkedHashMap<>();
        views.put("base", base);
        views.put("transposed", new View(base, 0, new long[] {3, 2}, new long[] {1, 3}));
        views.put("second_row", new View(base, 3, new long[] {3}, new long[] {1}));
        views.put("tied", base);
        Path file = write("views.bin", TorchSaveFiles.save(views, "views"));
        try (TorchBinWeights w = TorchBinWeights.open(file)) {
            assertThat(floats(w.data("transposed"))).containsExactly(0, 3, 1, 4, 2, 5);
            assertThat(w.info("transposed").shape()).containsExactly(3, 2);
            assertThat(floats(w.data("second_row"))).containsExactly(3, 4, 5);
            assertThat(floats(w.data("tied"))).containsExactly(0, 1, 2, 3, 4, 5);
        }
    }

    @Test
    void loadingOneStoragePerPickleLoadGivesTheSameTensors() throws Exception {
        Map<String, Object> sample = sample();
        Tensor base = Torch.fromFloats(new float[] {0, 1, 2, 3}, 4);
        sample.put("shared_a", base);
        sample.put("shared_b", new View(base, 2, new long[] {2}, new long[] {1}));
        Path file = write("batched.bin", TorchSaveFiles.save(new OrderedState(sample, null), "batched"));
        sample.put("shared_b", Torch.fromFloats(new float[] {2, 3}, 2));
        try (TorchBinWeights w = TorchBinWeights.open(file, TorchBinWeights.DEFAULT_MAX_BYTES, 1)) {
            assertSameTensors(w, sample);
        }
    }

    @Test
    void batchesKeepEntriesOfOneStorageTogether() {
        StorageRef big = new StorageRef("0", DType.F32, 100, "cpu");
        StorageRef small = new StorageRef("1", DType.F32, 10, "cpu");
        Map<String, TensorRef> refs = new LinkedHashMap<>();
        refs.put("a", new TensorRef(big, 0, new long[] {50}, new long[] {1}));
        refs.put("b", new TensorRef(small, 0, new long[] {10}, new long[] {1}));
        refs.put("c", new TensorRef(big, 50, new long[] {50}, new long[] {1}));
        assertThat(LibtorchPickleLoader.batches(refs, 400)).extracting(Map::keySet)
                .containsExactly(java.util.Set.of("a", "c"), java.util.Set.of("b"));
        assertThat(LibtorchPickleLoader.batches(refs, 1L << 20)).hasSize(1);
    }

    @Test
    void unetSavedAsBinReloadsWithIdenticalOutputs() throws Exception {
        try (GoldenFixture f = GoldenFixture.open("unet_tiny"); AutoCloseable mode = Torch.inferenceMode()) {
            JsonConfig config = Golden.config(f);
            UNet2DConditionModel golden = Golden.loadWeights(f, new UNet2DConditionModel(config));
            Map<String, Object> fp32 = new LinkedHashMap<>(golden.stateDict());
            Map<String, Object> fp16 = new LinkedHashMap<>();
            golden.stateDict().forEach((k, t) -> fp16.put(k, t.to(ScalarType.Half)));
            Path bin32 = write("unet32.bin", TorchSaveFiles.save(
                    new OrderedState(fp32, Map.of("", Map.of("version", 1L))), "unet32"));
            Path bin16 = write("unet16.bin", TorchSaveFiles.save(fp16, "unet16"));

            JsonNode plain = Golden.firstCaseWithoutResiduals(f);
            Tensor sample = f.tensor("input.sample");
            Tensor t = Golden.timestep(f, plain);
            Tensor ctx = f.tensor("input.encoder_hidden_states");
            Tensor expected = golden.forward(sample, t, ctx);
            Golden.assertClose("golden", expected, f.tensor("output." + plain.required("name").asText() + ".sample"),
                    1e-4);
            assertThat(Torch.maxAbsDiff(reloaded(config, bin32).forward(sample, t, ctx), expected)).isZero();
            // fp16 weights, fp32 compute: only the weights' rounding separates the outputs
            Golden.assertClose("fp16 bin", reloaded(config, bin16).forward(sample, t, ctx), expected, 2e-2);
        }
    }

    private static UNet2DConditionModel reloaded(JsonConfig config, Path bin) throws IOException {
        UNet2DConditionModel unet = new UNet2DConditionModel(config);
        try (TorchBinWeights w = TorchBinWeights.open(bin)) {
            WeightLoader.load(unet, w);
        }
        return unet;
    }

    @Test
    void closeReleasesTheTensorsButEarlierBuffersStayValid() throws Exception {
        Path file = write("close.bin", TorchSaveFiles.save(sample(), "close"));
        TorchBinWeights w = TorchBinWeights.open(file);
        ByteBuffer before = w.data("f32");
        w.close();
        w.close();
        assertThat(floats(before)).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(w.info("f32").dtype()).isEqualTo(DType.F32);
        assertThatThrownBy(() -> w.data("f32")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("closed");
        assertThatThrownBy(() -> w.info("nope")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("\"nope\"");
    }

    // ---------------------------------------------------------------- what is refused

    @Test
    void intAndNoneValuesAreRefusedNamingTheKey() throws Exception {
        Map<String, Object> withInt = sample();
        withInt.put("step", 5L);
        assertRefused(write("int.bin", TorchSaveFiles.save(withInt, "int")), "step", "is an int, not a tensor");
        Map<String, Object> withNone = sample();
        withNone.put("bias", null);
        assertRefused(write("none.bin", TorchSaveFiles.save(new OrderedState(withNone, null), "none")), "bias",
                "is None, not a tensor");
    }

    @Test
    void nestedDictIsRefusedNotFlattened() throws Exception {
        Map<String, Object> nested = Map.of("unet", sample());
        assertRefused(write("nested.bin", TorchSaveFiles.save(nested, "nested")), "\"unet\"", "nested dict");
    }

    @Test
    void listOrTensorAtTheTopIsRefused() throws Exception {
        Tensor t = Torch.fromFloats(new float[] {1}, 1);
        assertRefused(write("list.bin", TorchSaveFiles.save(List.of(t, t), "list")), "holds a list");
        assertRefused(write("tensor.bin", TorchSaveFiles.save(t, "tensor")), "holds a Tensor");
    }

    @Test
    void nonStringKeysAreRefused() throws Exception {
        Map<Object, Object> intKeys = new LinkedHashMap<>();
        intKeys.put(0L, Torch.fromFloats(new float[] {1}, 1));
        assertRefused(write("keys.bin", TorchSaveFiles.save(intKeys, "keys")), "key 0 is an int, not a string");
    }

    @Test
    void pythonObjectsAreRefusedWithoutRunningAnything() throws Exception {
        Path marker = tmp.resolve("pwned");
        Map<String, Object> evil = sample();
        evil.put("payload", new Call("os", "system", List.of("touch " + marker)));
        assertRefused(write("evil.bin", TorchSaveFiles.save(evil, "evil")), "os.system");
        Object model = new Call("torch.nn.modules.linear", "Linear", List.of());
        assertRefused(write("model.bin", TorchSaveFiles.save(model, "model")), "torch.nn.modules.linear.Linear");
        assertThat(marker).doesNotExist();
    }

    @Test
    void libtorchsOwnUnpicklerRefusesUnknownGlobalsButAlsoOrderedDictStateDicts() throws Exception {
        Path marker = tmp.resolve("pwned");
        byte[] evil = TorchSaveFiles.save(new Call("os", "system", List.of("touch " + marker)), "evil");
        assertThatThrownBy(() -> torch.pickle_load(new ByteVector(evil))).isInstanceOf(RuntimeException.class)
                .hasMessageContaining("Unpickler found unknown type os.system");
        assertThat(marker).doesNotExist();
        // why the checkpoint's pickle is rewritten: state_dict()'s OrderedDict becomes None in libtorch
        byte[] stateDict = TorchSaveFiles.save(new OrderedState(sample(), null), "sd");
        assertThatThrownBy(() -> torch.pickle_load(new ByteVector(stateDict))).isInstanceOf(RuntimeException.class)
                .hasMessageContaining("Expected GenericDict but got None");
    }

    @Test
    void truncatedFilesAndRandomBytesAreRefused() throws Exception {
        byte[] good = TorchSaveFiles.save(sample(), "archive");
        for (int length : new int[] {good.length / 2, good.length - 10, 30}) {
            assertRefused(write("cut" + length + ".bin", Arrays.copyOf(good, length)), "truncated or damaged");
        }
        byte[] random = new byte[4096];
        new Random(7).nextBytes(random);
        assertRefused(write("random.bin", random), "not a torch.save checkpoint");
        assertRefused(write("empty.bin", new byte[0]), "empty");
    }

    @Test
    void legacyFormatIsRefusedWithAdvice() throws Exception {
        byte[] legacy = HexFormat.of().parseHex("80028a0a6cfc9c46f9206aa850197a2e");
        assertRefused(write("legacy.bin", legacy), "legacy torch.save format", "torch.save(torch.load(path)");
    }

    @Test
    void fileOverTheBoundIsRefusedBeforeReading() throws Exception {
        byte[] good = TorchSaveFiles.save(sample(), "archive");
        Path file = write("big.bin", good);
        assertThatThrownBy(() -> TorchBinWeights.open(file, 100)).isInstanceOf(TorchCheckpointException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining(good.length + " bytes")
                .hasMessageContaining("bound of 100 bytes").hasMessageContaining("larger bound")
                .hasMessageContaining("safetensors");
    }

    @Test
    void viewOutsideItsStorageIsRefusedInsteadOfReadOutOfBounds() throws Exception {
        Tensor base = Torch.fromFloats(new float[] {1, 2, 3, 4, 5, 6}, 6);
        Map<String, Object> views = Map.of("wild", new View(base, 1_000_000, new long[] {1000, 1000},
                new long[] {1000, 1}));
        assertRefused(write("wild.bin", TorchSaveFiles.save(views, "wild")), "\"wild\"", "which has 6");
    }

    @Test
    void storageRecordOfTheWrongSizeIsRefused() throws Exception {
        Pickled p = TorchSaveFiles.pickle(Map.of("w", Torch.fromFloats(new float[] {1, 2, 3, 4, 5, 6}, 6)));
        p.storages().put("0", new byte[4]);
        assertRefused(write("short.bin", TorchSaveFiles.zip(p, "short")), "\"w\"", "holds 4 bytes");
        p.storages().remove("0");
        assertRefused(write("missing.bin", TorchSaveFiles.zip(p, "missing")), "\"w\"", "is missing");
    }

    @Test
    void recordSizeInflatedInTheZipDirectoryIsRefusedBeforeAnyAllocation() throws Exception {
        Map<String, byte[]> records = TorchSaveFiles.records(TorchSaveFiles.pickle(
                Map.of("w", Torch.fromFloats(new float[] {1, 2, 3, 4, 5, 6}, 6))));
        // the pickle declares 100,000,000 floats (BININT instead of BININT1 6), the directory 400,000,000 bytes
        String pickle = new String(records.get("data.pkl"), StandardCharsets.ISO_8859_1)
                .replace("cpuq\u0006K\u0006t", "cpuq\u0006J\u0000\u00e1\u00f5\u0005t");
        records.put("data.pkl", pickle.getBytes(StandardCharsets.ISO_8859_1));
        byte[] zip = TorchSaveFiles.zipRecords("big", records);
        int cen = centralHeader(zip, "big/data/0");
        ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN).putInt(cen + 20, 400_000_000).putInt(cen + 24, 400_000_000);
        Path file = write("claim.bin", zip);
        assertRefused(file, "big/data/0 claims 400000000 bytes in a file of " + zip.length);
    }

    @Test
    void damagedStorageRecordOrPickleFailsItsCrcCheck() throws Exception {
        byte[] good = TorchSaveFiles.save(Map.of("w", Torch.fromFloats(new float[] {1234.5f, 7f}, 2)), "crc");
        byte[] bytes = good.clone();
        bytes[indexOf(bytes, Torch.toBytes(Torch.fromFloats(new float[] {1234.5f}, 1)))] ^= 1;
        assertRefused(write("crc.bin", bytes), "data/0 cannot be read or is damaged", "invalid entry crc-32");
        // a key renamed by damage would still parse: only the CRC-32 tells
        bytes = good.clone();
        bytes[indexOf(bytes, TorchSaveFiles.ascii("X\u0001\u0000\u0000\u0000w")) + 5] = 'v';
        assertRefused(write("crcpkl.bin", bytes), "crc/data.pkl cannot be read", "CRC-32 mismatch");
    }

    @Test
    void bigEndianCheckpointIsRefused() throws Exception {
        Map<String, byte[]> records = TorchSaveFiles.records(TorchSaveFiles.pickle(sample()));
        records.put("byteorder", TorchSaveFiles.ascii("big"));
        assertRefused(write("be.bin", TorchSaveFiles.zipRecords("be", records)), "\"big\" byte order");
    }

    @Test
    void malformedPicklesAreRefused() throws Exception {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("7d284b014b024b0375", "not key-value pairs");          // {} MARK 1 2 3 SETITEMS
        cases.put("52", "takes more values");                            // REDUCE on an empty stack
        cases.put("49310a", "unsupported pickle opcode 0x49");            // protocol-0 INT
        cases.put("6805", "memo entry 5");                               // BINGET before BINPUT
        cases.put("4b014b02", "stops with 2 values");                    // two values left at STOP
        cases.put("8c02", "ends in the middle");                         // SHORT_BINUNICODE cut short
        cases.put("63746f7263680a436f6d706c6578466c6f617453746f726167650a", "ComplexFloatStorage");
        int i = 0;
        for (Map.Entry<String, String> c : cases.entrySet()) {
            byte[] raw = HexFormat.of().parseHex(c.getKey());
            Path file = write("bad" + i++ + ".bin", TorchSaveFiles.save(new Raw(raw), "bad"));
            assertRefused(file, c.getValue());
        }
        Map<String, byte[]> records = TorchSaveFiles.records(TorchSaveFiles.pickle(sample()));
        records.put("data.pkl", Arrays.copyOf(records.get("data.pkl"), 100));
        assertRefused(write("cutpickle.bin", TorchSaveFiles.zipRecords("cut", records)), "ends in the middle");
    }

    @Test
    void randomlyDamagedCheckpointsLoadOrFailWithTheExceptionNeverACrash() throws Exception {
        Tensor base = Torch.fromFloats(new float[] {0, 1, 2, 3, 4, 5}, 2, 3);
        Map<String, Object> entries = sample();
        entries.put("transposed", new View(base, 0, new long[] {3, 2}, new long[] {1, 3}));
        Map<String, byte[]> records = TorchSaveFiles.records(TorchSaveFiles.pickle(
                new OrderedState(entries, Map.of("", Map.of("version", 1L)))));
        byte[] pickle = records.get("data.pkl");
        byte[] whole = TorchSaveFiles.zipRecords("fuzz", records);
        Random random = new Random(42);
        for (int i = 0; i < 400; i++) {
            // the pickle damaged inside an intact zip, then the zip itself damaged
            records.put("data.pkl", damage(pickle, random));
            loadOrRefuse(write("fuzz.bin", i % 2 == 0 ? TorchSaveFiles.zipRecords("fuzz", records)
                    : damage(whole, random)));
        }
    }

    /** Opens and reads every tensor, or gets the loader's exception; anything else fails the test. */
    private static void loadOrRefuse(Path file) {
        try (TorchBinWeights w = TorchBinWeights.open(file)) {
            for (String key : w.keys()) {
                if (w.info(key).byteLength() < (1 << 20)) {
                    w.data(key);
                }
            }
        } catch (TorchCheckpointException expected) {
            assertThat(expected).hasMessageStartingWith(file.toString());
        } catch (IOException | RuntimeException e) {
            throw new AssertionError("unexpected " + e, e);
        }
    }

    /** One to three random byte changes, or a cut, or a slice repeated. */
    private static byte[] damage(byte[] bytes, Random random) {
        byte[] out = bytes.clone();
        switch (random.nextInt(5)) {
            case 0 -> {
                return Arrays.copyOf(out, random.nextInt(out.length));
            }
            case 1 -> {
                int from = random.nextInt(out.length);
                int to = Math.min(out.length, from + 1 + random.nextInt(16));
                byte[] grown = Arrays.copyOf(out, out.length + to - from);
                System.arraycopy(out, from, grown, to, out.length - from);
                return grown;
            }
            default -> {
                for (int k = 0; k <= random.nextInt(3); k++) {
                    out[random.nextInt(out.length)] = (byte) random.nextInt(256);
                }
                return out;
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    /** One tensor of each common type, a scalar and an empty tensor. */
    private static Map<String, Object> sample() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("f32", Torch.fromFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        m.put("f16", Torch.fromFloats(new float[] {0.5f, -1.25f, 65504f, 1e-3f}, 4).to(ScalarType.Half));
        m.put("bf16", Torch.fromFloats(new float[] {3.140625f, -2f, 1e30f}, 1, 3).to(ScalarType.BFloat16));
        m.put("i64", Torch.fromLongs(new long[] {-1, 0, 1L << 40}, 3));
        m.put("scalar", Torch.scalarTensor(0.25));
        m.put("empty", Torch.zeros(0, 4));
        return m;
    }

    private static void assertSameTensors(TorchBinWeights w, Map<String, Object> expected) {
        assertThat(w.keys()).containsExactlyElementsOf(expected.keySet());
        expected.forEach((key, value) -> {
            Tensor t = (Tensor) value;
            assertThat(w.info(key).dtype()).as(key).isEqualTo(TorchSaveFiles.dtypeOf(t));
            assertThat(w.info(key).shape()).as(key).isEqualTo(Torch.shape(t));
            ByteBuffer data = w.data(key);
            assertThat(data.isDirect()).isTrue();
            byte[] actual = new byte[data.remaining()];
            data.get(actual);
            assertThat(actual).as(key).isEqualTo(TorchSaveFiles.bytes(t));
        });
    }

    private void assertRefused(Path file, String... fragments) {
        var thrown = assertThatThrownBy(() -> TorchBinWeights.open(file))
                .isInstanceOf(TorchCheckpointException.class).hasMessageContaining(file.toString());
        for (String f : fragments) {
            thrown.hasMessageContaining(f);
        }
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(tmp.resolve(name), bytes);
    }

    private static float[] floats(ByteBuffer b) {
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }

    /** Offset of the zip's central-directory header for {@code name} (its sizes are at +20 and +24). */
    private static int centralHeader(byte[] zip, String name) {
        byte[] signature = {'P', 'K', 1, 2};
        ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = indexOf(zip, signature, 0); ; at = indexOf(zip, signature, at + 4)) {
            if (new String(zip, at + 46, b.getShort(at + 28), StandardCharsets.US_ASCII).equals(name)) {
                return at;
            }
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        return indexOf(haystack, needle, 0);
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("pattern not found");
    }
}
