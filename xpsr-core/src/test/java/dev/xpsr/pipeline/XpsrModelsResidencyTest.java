package dev.xpsr.pipeline;

import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import dev.xpsr.model.Pretrained;
import dev.xpsr.model.XpsrUNet2DConditionModel;
import dev.xpsr.testing.TinyXpsrModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Sequential residency frees each stage's networks and restores the same bytes as resident models. */
class XpsrModelsResidencyTest {
    @TempDir
    static Path tmp;
    static TinyXpsrModels.Folders folders;
    static RgbImage photo;
    static final UpscaleOptions OPTIONS = UpscaleOptions.builder().steps(2).processSize(64).build();

    @BeforeAll
    static void write() throws Exception {
        folders = TinyXpsrModels.write(tmp.resolve("models"), 5);
        RgbImage hr = ImageFiles.read(Path.of(System.getProperty("xpsr.data", "../fixtures/data"))
                .resolve("images/hr/opencv_fruits.png"));
        photo = PilResize.resize(hr.crop(100, 100, 160, 160), 20, 20);
    }

    private static RgbImage restore(XpsrModels models) {
        return new XpsrPipeline(models).upscale(photo, Prompts.xpsr("fruit", "blurry"), OPTIONS,
                XpsrPipeline.Observer.NONE).image();
    }

    @Test
    void sequentialModelsRestoreTheSameBytesAsResidentOnes() throws Exception {
        XpsrModels resident = XpsrModels.load(folders.sd15(), folders.xpsr(), null);
        XpsrModels sequential = XpsrModels.load(folders.sd15(), folders.xpsr(), null, XpsrModels.Residency.SEQUENTIAL);
        assertThat(sequential.residency()).isEqualTo(XpsrModels.Residency.SEQUENTIAL);
        RgbImage a = restore(resident);
        RgbImage b = restore(sequential);
        assertThat(b.toHwcBytes()).isEqualTo(a.toHwcBytes());
        // the second image reloads the freed networks and still gives the same bytes
        assertThat(restore(sequential).toHwcBytes()).isEqualTo(a.toHwcBytes());
    }

    @Test
    void eachStageLoadsItsNetworksOncePerImageAndFreesThemAfter() throws Exception {
        XpsrModels r = XpsrModels.load(folders.sd15(), folders.xpsr(), null);
        AtomicInteger unetLoads = new AtomicInteger();
        Path sd = folders.sd15();
        Path x = folders.xpsr();
        XpsrModels sequential = XpsrModels.sequential(r.tokenizer(),
                p -> Pretrained.textEncoder(sd.resolve("text_encoder"), null, p),
                p -> Pretrained.vae(sd.resolve("vae"), null, p),
                p -> Pretrained.xpsrControlNet(x.resolve("controlnet"), null, p), p -> {
                    unetLoads.incrementAndGet();
                    return Pretrained.xpsrUnet(x.resolve("unet"), null, p);
                }, r.schedulerConfig(), r.controlNetLayout());
        XpsrUNet2DConditionModel first;
        try (XpsrModels.Lease outer = sequential.use(XpsrModels.Network.UNET)) {
            first = sequential.unet();
            try (XpsrModels.Lease inner = sequential.use(XpsrModels.Network.UNET)) {
                assertThat(sequential.unet()).as("one load for both leases").isSameAs(first);
            }
            assertThat(sequential.unet()).as("kept while a lease is open").isSameAs(first);
            assertThat(first.parameterCount()).isPositive();
        }
        assertThat(first.namedParameters().values()).allSatisfy(t -> assertThat(t.numel()).isZero());
        restore(sequential);
        restore(sequential);
        assertThat(unetLoads.get()).isEqualTo(3);
    }

    @Test
    void residentModelsStayLoadedAfterTheirLeasesAndAreFreedByClose() throws Exception {
        XpsrModels resident = XpsrModels.load(folders.sd15(), folders.xpsr(), null);
        XpsrUNet2DConditionModel unet = resident.unet();
        long n = unet.parameterCount();
        resident.use(XpsrModels.Network.values()).close();
        assertThat(resident.unet()).isSameAs(unet);
        assertThat(unet.parameterCount()).isEqualTo(n);
        resident.close();
        assertThat(unet.namedParameters().values()).allSatisfy(t -> assertThat(t.numel()).isZero());
        assertThatThrownBy(() -> resident.use(XpsrModels.Network.UNET)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void aMissingWeightFileFailsAtLoadNotAtTheFirstImage() throws Exception {
        Path broken = tmp.resolve("broken");
        TinyXpsrModels.Folders f = TinyXpsrModels.write(broken, 6);
        try (var files = Files.list(f.xpsr().resolve("controlnet"))) {
            for (Path p : files.filter(p -> p.toString().endsWith(".safetensors")).toList()) {
                Files.delete(p);
            }
        }
        assertThatThrownBy(() -> XpsrModels.load(f.sd15(), f.xpsr(), null, XpsrModels.Residency.SEQUENTIAL))
                .isInstanceOf(FileNotFoundException.class).hasMessageContaining("controlnet");
    }
}
