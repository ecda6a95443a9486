package dev.xpsr.baseline;

import dev.xpsr.golden.ImageCompare;
import dev.xpsr.io.RgbImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The UpscalerJS RDN models reproduce the packages' own sample outputs ({@code assets/samples/{2x,3x,4x}/result.png},
 * made by UpscalerJS from {@code assets/fixture.png}) within ±1 per channel value, and TensorFlow.js's PSNR-Y on
 * the real Set5 / skimage pairs (fixtures/data/MANIFEST.md §2).
 */
class UpscalerJsGoldenTest {
    private static final Path REFERENCE = Path.of("images/sr_reference/upscalerjs");
    private static final Pattern RESULT = Pattern.compile("esrgan-(slim|medium)_x(\\d)_result\\.png");

    static NetworkUpscaler model(String size, int scale) throws Exception {
        return UpscalerJsModels.load(SrMetrics.data().resolve("models/upscalerjs-esrgan-" + size + "/x" + scale));
    }

    @ParameterizedTest
    @CsvSource({"slim, 2", "slim, 3", "slim, 4", "medium, 2", "medium, 4"})
    void reproducesThePackageSample(String size, int scale) throws Exception {
        NetworkUpscaler rdn = model(size, scale);
        // the fixture is RGBA with an opaque alpha; UpscalerJS reads three channels, so does ImageFiles.read
        RgbImage lr = SrMetrics.image(REFERENCE.resolve("fixture_lr_128.png").toString());
        long t0 = System.nanoTime();
        RgbImage sr = rdn.upscale(lr);
        double seconds = (System.nanoTime() - t0) / 1e9;
        RgbImage expected = SrMetrics.image(REFERENCE.resolve("esrgan-" + size + "_x" + scale + "_result.png")
                .toString());
        ImageCompare.Diff d = ImageCompare.diff(sr, expected);
        double psnr = SrMetrics.psnrRgb(sr, expected);
        System.out.printf("%s: %d of %d channel values off by one, %d by more; PSNR %.2f dB; %.2f s for 128 -> %d%n",
                rdn.name(), d.offByOne(), 3 * sr.pixelCount(), d.offByMore(), psnr, seconds, 128 * scale);
        assertThat(rdn.scale()).isEqualTo(scale);
        assertThat(d.maxAbs()).as("max |diff|").isLessThanOrEqualTo(1);
        assertThat(psnr).isGreaterThan(90);
    }

    /** Every sample output in the folder whose model is present is among the cases above. */
    @Test
    void everySampleWithAModelIsCovered() throws Exception {
        List<String> withModel = new ArrayList<>();
        try (Stream<Path> files = Files.list(SrMetrics.data().resolve(REFERENCE))) {
            for (Path f : files.sorted().toList()) {
                Matcher m = RESULT.matcher(f.getFileName().toString());
                if (m.matches() && Files.exists(SrMetrics.data().resolve(
                        "models/upscalerjs-esrgan-" + m.group(1) + "/x" + m.group(2) + "/model.json"))) {
                    withModel.add(m.group(1) + " x" + m.group(2));
                }
            }
        }
        // esrgan-medium x3: its sample is present, its model (2.79 MB) is not shipped with the fixtures
        assertThat(withModel).containsExactly("medium x2", "medium x4", "slim x2", "slim x3", "slim x4");
    }

    /** PSNR-Y (shave = scale) that TensorFlow.js 4.11 gave with the same models on the real pairs. */
    @ParameterizedTest
    @CsvSource({
            "slim,   2, butterfly_set5_LRx2_matlab-bicubic_128.png, opencv_dnn_superres_butterfly_set5.png, 27.47",
            "medium, 2, butterfly_set5_LRx2_matlab-bicubic_128.png, opencv_dnn_superres_butterfly_set5.png, 27.49",
            "slim,   4, butterfly_set5_LRx4_matlab-bicubic_64.png,  opencv_dnn_superres_butterfly_set5.png, 22.50",
            "medium, 4, butterfly_set5_LRx4_matlab-bicubic_64.png,  opencv_dnn_superres_butterfly_set5.png, 22.66",
            "slim,   4, astronaut_LRx4_matlab-bicubic_128.png,      skimage_astronaut.png,                  27.07",
            "medium, 4, astronaut_LRx4_matlab-bicubic_128.png,      skimage_astronaut.png,                  27.21"})
    void matchesTensorFlowJsPsnrOnRealPhotos(String size, int scale, String lrName, String hrName, double tfjs)
            throws Exception {
        RgbImage sr = model(size, scale).upscale(SrMetrics.image("images/sr_pairs/" + lrName));
        double psnr = SrMetrics.psnrY(sr, SrMetrics.image("images/hr/" + hrName), scale);
        System.out.printf("esrgan-%s x%d %s: PSNR-Y %.3f dB (TF.js %.2f)%n", size, scale, lrName, psnr, tfjs);
        assertThat(psnr).isCloseTo(tfjs, within(0.006));
    }

    @Test
    void slimX8MagnifiesEightTimes() throws Exception {
        NetworkUpscaler rdn = model("slim", 8);
        RgbImage sr = rdn.upscale(SrMetrics.image("images/sr_pairs/butterfly_set5_LRx4_matlab-bicubic_64.png")
                .crop(0, 0, 24, 16));
        assertThat(rdn.name()).isEqualTo("upscalerjs-esrgan-slim-x8");
        assertThat(sr.width()).isEqualTo(192);
        assertThat(sr.height()).isEqualTo(128);
    }
}
