package dev.xpsr.pipeline;

import dev.xpsr.io.JsonConfig;
import dev.xpsr.model.XpsrUNet2DConditionModel;
import dev.xpsr.nn.Init;
import dev.xpsr.nn.Linear;
import dev.xpsr.nn.Module;
import dev.xpsr.testing.TinyXpsrModels;
import dev.xpsr.torch.Placement;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Loading or initialising a network straight into a placement (tensor by tensor, from storage-free placeholders)
 * gives exactly the tensors that loading in fp32 and converting afterwards gives.
 */
class PlacedLoadingTest {
    /** Only conversions run here, so the CPU's bf16 support does not matter. */
    static final Placement BF16 = Placement.parse("cpu", "bf16").allowingEmulatedBf16();

    @TempDir
    static Path tmp;
    static TinyXpsrModels.Folders folders;

    @BeforeAll
    static void write() throws Exception {
        folders = TinyXpsrModels.write(tmp.resolve("models"), 11);
    }

    @Test
    void residentModelsLoadedIntoBf16EqualFp32ModelsConverted() throws Exception {
        XpsrModels converted = XpsrModels.load(folders.sd15(), folders.xpsr(), null).to(BF16);
        XpsrModels direct = XpsrModels.load(folders.sd15(), folders.xpsr(), null, XpsrModels.Residency.RESIDENT,
                BF16);
        assertThat(direct.placement()).isEqualTo(BF16);
        assertSameTensors(direct.textEncoder(), converted.textEncoder());
        assertSameTensors(direct.vae(), converted.vae());
        assertSameTensors(direct.controlNet(), converted.controlNet());
        assertSameTensors(direct.unet(), converted.unet());
    }

    @Test
    void sequentialModelsLoadEachNetworkIntoTheirPlacement() throws Exception {
        XpsrModels converted = XpsrModels.load(folders.sd15(), folders.xpsr(), null).to(BF16);
        XpsrModels sequential = XpsrModels.load(folders.sd15(), folders.xpsr(), null,
                XpsrModels.Residency.SEQUENTIAL, BF16);
        try (XpsrModels.Lease lease = sequential.use(XpsrModels.Network.CONTROLNET, XpsrModels.Network.UNET)) {
            assertSameTensors(sequential.controlNet(), converted.controlNet());
            assertSameTensors(sequential.unet(), converted.unet());
        }
    }

    @Test
    void initialisingIntoBf16EqualsDrawingInFp32AndConverting() throws Exception {
        JsonConfig config = JsonConfig.read(folders.xpsr().resolve("unet").resolve("config.json"));
        XpsrUNet2DConditionModel drawnThenConverted = new XpsrUNet2DConditionModel(config);
        Init.pytorchDefaults(drawnThenConverted, Torch.generator(3));
        drawnThenConverted.to(BF16);
        XpsrUNet2DConditionModel direct = Module.withoutStorage(() -> new XpsrUNet2DConditionModel(config));
        Init.pytorchDefaults(direct, Torch.generator(3), BF16);
        assertSameTensors(direct, drawnThenConverted);
    }

    @Test
    void placeholdersHoldNoStorageUntilFilledAndOnlyWhileBuilding() {
        Linear empty = Module.withoutStorage(() -> new Linear(64, 32));
        assertThat(Module.isPlaceholder(empty.weight)).isTrue();
        assertThat(Torch.shape(empty.weight)).containsExactly(32, 64);
        assertThat(empty.weight.storage().nbytes()).as("one float for the whole weight").isEqualTo(4);
        empty.to(Placement.CPU_FP32);
        assertThat(Module.isPlaceholder(empty.weight)).isFalse();
        assertThat(empty.weight.abs().sum().item_double()).isZero();

        assertThat(Module.isPlaceholder(new Linear(64, 32).weight)).as("outside withoutStorage").isFalse();
        assertThatThrownBy(() -> Module.withoutStorage(() -> {
            throw new IllegalStateException("bad config");
        })).hasMessage("bad config");
        assertThat(Module.isPlaceholder(new Linear(64, 32).weight)).as("after a failed build").isFalse();
    }

    /**
     * Equal tensors, and each of {@code actual}'s storages held by its parameter alone: a storage also held by a
     * forgotten handle (freed only by the garbage collector) would outlive the network's release.
     */
    private static void assertSameTensors(Module actual, Module expected) {
        long alone = Torch.zeros(2).storage().use_count();
        Map<String, Tensor> want = expected.stateDict();
        Map<String, Tensor> got = actual.stateDict();
        assertThat(got.keySet()).containsExactlyElementsOf(want.keySet());
        for (String key : want.keySet()) {
            Tensor a = got.get(key);
            Tensor b = want.get(key);
            assertThat(Module.isPlaceholder(a)).as(key).isFalse();
            assertThat(a.scalar_type().toString()).as(key).isEqualTo(b.scalar_type().toString());
            assertThat(Torch.shape(a)).as(key).containsExactly(Torch.shape(b));
            assertThat(a.equal(b)).as(key + " bit for bit").isTrue();
            assertThat(a.storage().use_count()).as(key + " storage references").isEqualTo(alone);
        }
    }
}
