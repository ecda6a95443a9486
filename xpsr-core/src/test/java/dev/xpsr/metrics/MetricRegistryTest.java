package dev.xpsr.metrics;

import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.io.DType;
import dev.xpsr.io.SafetensorsWriter;
import dev.xpsr.io.TensorData;
import dev.xpsr.io.TensorInfo;
import dev.xpsr.nn.WeightSource;
import dev.xpsr.torch.Placement;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MetricRegistryTest {
    private static final Path DATA = Path.of(System.getProperty("xpsr.data", "../fixtures/data"));

    @Test
    void metricsWithoutWeightsAreUnavailableWithTheFilesTheyNeed(@TempDir Path weights) {
        MetricRegistry registry = MetricRegistry.standard(MetricRegistry.Settings.defaults(DATA, weights));
        assertThat(registry.entries()).extracting(MetricRegistry.Entry::name)
                .containsExactly("psnr", "ssim", "lpips", "lpips-vgg", "dists", "musiq", "maniqa", "maniqa-pipal",
                        "niqe", "brisque", "clipiqa");
        MetricRegistry.Entry<Metric> lpips = registry.entry("lpips");
        assertThat(lpips.available()).isFalse();
        assertThat(lpips.missingFiles()).containsExactly(PretrainedFile.LPIPS_ALEX, PretrainedFile.ALEXNET);
        assertThat(lpips.unavailableReason().orElseThrow()).contains("LPIPS_v0.1_alex-df73285e.pth")
                .contains("https://download.pytorch.org/models/alexnet-owt-7be5be79.pth");
        assertThatThrownBy(lpips::metric).isInstanceOf(MetricUnavailableException.class)
                .hasMessageContaining("alexnet-owt-7be5be79.pth");
        assertThat(registry.entry("dists").unavailableReason().orElseThrow()).contains("DISTS_weights-f5e65c96.pth")
                .contains("vgg16-397923af.pth");
        assertThat(registry.availableMetrics()).extracting(Metric::name)
                .containsExactly("psnr", "ssim", "niqe", "brisque");
    }

    @Test
    void learnedNoReferenceMetricsNameTheirPyiqaWeightFiles(@TempDir Path weights) {
        MetricRegistry registry = MetricRegistry.standard(MetricRegistry.Settings.defaults(DATA, weights));
        assertThat(registry.entry("musiq").missingFiles()).containsExactly(PretrainedFile.MUSIQ_KONIQ);
        assertThat(registry.entry("musiq").unavailableReason().orElseThrow())
                .contains("musiq_koniq_ckpt-e95806b9.pth").contains("https://huggingface.co/chaofengc/");
        assertThat(registry.entry("maniqa").unavailableReason().orElseThrow()).contains("ckpt_koniq10k.pt")
                .contains("IIGROUP/MANIQA");
        assertThat(registry.entry("maniqa-pipal").missingFiles()).containsExactly(PretrainedFile.MANIQA_PIPAL);
        assertThatThrownBy(() -> registry.entry("maniqa-pipal").metric())
                .isInstanceOf(MetricUnavailableException.class).hasMessageContaining("MANIQA_PIPAL-ae6d356b.pth");
    }

    /** A file under the expected name that is no MUSIQ checkpoint makes the entry unavailable, naming the keys. */
    @Test
    void aForeignFileUnderMusiqsNameIsReportedByKey(@TempDir Path weights) throws IOException {
        SafetensorsWriter.write(weights.resolve("musiq_koniq_ckpt-e95806b9.safetensors"),
                Map.of("features.0.weight", TensorData.ofFloats(new long[] {1}, new float[1])), null);
        MetricRegistry.Entry<Metric> entry = MetricRegistry.standard(MetricRegistry.Settings.defaults(DATA, weights))
                .entry("musiq");
        assertThat(entry.available()).isTrue();
        assertThatThrownBy(entry::metric).isInstanceOf(MetricUnavailableException.class)
                .hasMessageContaining("conv_root.weight").hasMessageContaining("features.0.weight");
        assertThat(entry.available()).isFalse();
    }

    @Test
    void classicMetricsNeedTheirModelFiles(@TempDir Path empty) {
        MetricRegistry registry = MetricRegistry.standard(MetricRegistry.Settings.defaults(empty, empty));
        assertThat(registry.entry("niqe").unavailableReason().orElseThrow()).contains("niqe_pris_params.npz")
                .contains("BasicSR");
        assertThat(registry.entry("brisque").missingFiles()).containsExactly(PretrainedFile.BRISQUE_MODEL,
                PretrainedFile.BRISQUE_RANGE);
        assertThat(registry.availableMetrics()).extracting(Metric::name).containsExactly("psnr", "ssim");
    }

    /**
     * A torchvision-layout backbone file ({@code features.N.*}, plus a classifier) and a pyiqa-layout head file
     * ({@code linK.*} and the duplicate {@code lins.K.*}) load into the same network as the fixture's own keys.
     */
    @Test
    void lpipsLoadsFromBackboneAndHeadFiles(@TempDir Path weights) throws IOException {
        try (GoldenFixture f = GoldenFixture.open("lpips_alex_tiny")) {
            WeightSource all = PerceptualGoldenTest.weights(f);
            Map<String, TensorData> backbone = new LinkedHashMap<>();
            Map<String, TensorData> head = new LinkedHashMap<>();
            for (String key : all.keys()) {
                if (key.startsWith("net.")) {
                    backbone.put("features." + key.substring(key.indexOf('.', 4) + 1), copy(all, key));
                } else if (key.startsWith("lin")) {
                    head.put(key, copy(all, key));
                    head.put("lins." + key.substring(3), copy(all, key));
                }
            }
            backbone.put("classifier.1.weight", TensorData.ofFloats(new long[] {2, 2}, new float[4]));
            SafetensorsWriter.write(weights.resolve("alexnet-owt-7be5be79.safetensors"), backbone, null);
            SafetensorsWriter.write(weights.resolve("LPIPS_v0.1_alex-df73285e.safetensors"), head, null);

            MetricRegistry.Entry<Metric> entry = MetricRegistry.standard(MetricRegistry.Settings.defaults(DATA, weights))
                    .entry("lpips");
            assertThat(entry.available()).isTrue();
            Lpips lpips = (Lpips) entry.metric();
            Tensor got = lpips.forward(f.tensor("input.img0"), f.tensor("input.img1")).total();
            assertThat(Torch.maxAbsDiff(got, f.tensor("output.lpips"))).isLessThanOrEqualTo(1e-6);
            assertThat(lpips.description()).contains("alexnet-owt-7be5be79.safetensors");
        }
    }

    @Test
    void weightsThatDoNotFitMakeTheMetricUnavailable(@TempDir Path weights) throws IOException {
        Map<String, TensorData> junk = Map.of("alpha", TensorData.ofFloats(new long[] {1}, new float[1]));
        SafetensorsWriter.write(weights.resolve("DISTS_weights-f5e65c96.safetensors"), junk, null);
        SafetensorsWriter.write(weights.resolve("vgg16-397923af.safetensors"), junk, null);
        MetricRegistry.Entry<Metric> dists = MetricRegistry.standard(MetricRegistry.Settings.defaults(DATA, weights))
                .entry("dists");
        assertThat(dists.available()).isTrue();
        assertThatThrownBy(dists::metric).isInstanceOf(MetricUnavailableException.class)
                .hasMessageContaining("stage1.0.weight");
        assertThat(dists.available()).isFalse();
        assertThat(dists.unavailableReason().orElseThrow()).contains("dists is unavailable");
    }

    private static TensorData copy(WeightSource source, String key) {
        TensorInfo info = source.info(key);
        ByteBuffer bytes = source.data(key).duplicate().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer copy = ByteBuffer.allocate(bytes.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(bytes).flip();
        return new TensorData(DType.F32, info.shape(), copy);
    }

    @Test
    void registryFollowsTheChosenConvention() {
        MetricRegistry.Settings s = new MetricRegistry.Settings(Convention.XPSR_TEST, 0, true, ColorSpace.YCBCR, DATA,
                DATA, WeightOpener.standard(), Placement.CPU_FP32);
        MetricRegistry registry = MetricRegistry.standard(s);
        assertThat(((Psnr) registry.entry("psnr").metric()).convention()).isEqualTo(Convention.XPSR_TEST);
        assertThat(((Ssim) registry.entry("ssim").metric()).convention()).isEqualTo(Convention.XPSR_TEST);
        assertThat(List.of(registry.entry("psnr").description())).allMatch(d -> d.contains("XPSR test.py"));
    }
}
