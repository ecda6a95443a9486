package dev.xpsr.spark;

import dev.xpsr.api.Method;
import dev.xpsr.api.UpscaleRequest;
import dev.xpsr.api.Upscaler;
import dev.xpsr.bench.RandomWeights;
import dev.xpsr.cli.Main;
import dev.xpsr.eval.QualityReport;
import dev.xpsr.eval.QualityReportWriter;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import dev.xpsr.io.SafetensorsWriter;
import dev.xpsr.metrics.InceptionV3;
import dev.xpsr.metrics.PretrainedFile;
import dev.xpsr.pipeline.PilResize;
import dev.xpsr.torch.ThreadCount;
import dev.xpsr.util.BundledData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The eval job in {@code local[2]} against {@code xpsr eval} itself: crops of real photos restored ×4 by the real
 * baselines (Pillow bicubic, RDN from the UpscalerJS weights), their LR inputs, and the bad cases (a missing
 * counterpart, a size mismatch, a truncated file, a missing LR). The metrics are PSNR, SSIM, NIQE, BRISQUE and FID,
 * FID with a full-size Inception-v3 of random weights (its real weights are not in the repository): the executors
 * give the features, the driver the distance. Both reports, in all three formats, must be the same text.
 */
class SparkEvalTest {
    private static final Path DATA = Path.of(System.getProperty("xpsr.data", "../fixtures/data"));
    private static final String METRICS = "psnr,ssim,niqe,brisque,fid";

    @TempDir
    static Path tmp;
    static Path hr;
    static Path sr;
    static Path lr;
    static Path weights;

    @BeforeAll
    static void folders() throws Exception {
        hr = Files.createDirectories(tmp.resolve("hr"));
        sr = Files.createDirectories(tmp.resolve("sr"));
        lr = Files.createDirectories(tmp.resolve("lr"));
        try (Upscaler bicubic = Upscaler.builder(Method.BICUBIC_PIL).build();
             Upscaler rdn = Upscaler.builder(Method.RDN_SLIM).baselineModels(BundledData.models()).build()) {
            restore(bicubic, "coffee", "skimage_coffee.png", 200, 100);
            restore(bicubic, "fruits", "opencv_fruits.png", 150, 150);
            restore(rdn, "chelsea", "skimage_chelsea.png", 120, 50);
            restore(rdn, "sub/astronaut", "skimage_astronaut.png", 160, 40);
            restore(rdn, "rocket", "skimage_rocket.png", 300, 120);
        }
        Files.delete(lr.resolve("rocket.png"));
        RgbImage coffee = ImageFiles.read(hr.resolve("coffee.png"));
        ImageFiles.writePng(hr.resolve("only_hr.png"), coffee);
        ImageFiles.writePng(sr.resolve("only_sr.png"), coffee);
        ImageFiles.writePng(hr.resolve("wide.png"), coffee);
        ImageFiles.writePng(sr.resolve("wide.png"), coffee.crop(0, 0, 196, 200));
        ImageFiles.writePng(hr.resolve("broken.png"), coffee);
        byte[] png = Files.readAllBytes(hr.resolve("broken.png"));
        Files.write(sr.resolve("broken.png"), Arrays.copyOf(png, png.length / 3));
        weights = Files.createDirectories(tmp.resolve("weights"));
        String fid = PretrainedFile.FID_INCEPTION.fileName().replace(".pth", ".safetensors");
        SafetensorsWriter.write(weights.resolve(fid), RandomWeights.stateDict(new InceptionV3(1), 21), Map.of());
    }

    /** A 200×200 HR crop, its 50×50 LR (Pillow bicubic) and the method's ×4 restoration of it. */
    private static void restore(Upscaler method, String name, String photo, int x, int y) throws Exception {
        RgbImage crop = ImageFiles.read(DATA.resolve("images/hr").resolve(photo)).crop(x, y, 200, 200);
        RgbImage small = PilResize.resize(crop, 50, 50);
        for (Path dir : List.of(hr, sr, lr)) {
            Files.createDirectories(dir.resolve(name).getParent());
        }
        ImageFiles.writePng(hr.resolve(name + ".png"), crop);
        ImageFiles.writePng(lr.resolve(name + ".png"), small);
        ImageFiles.writePng(sr.resolve(name + ".png"), method.upscale(UpscaleRequest.builder(small).build()).image());
    }

    @Test
    void theReportIsTheCommandsInEveryFormat() throws Exception {
        // the command scores on the calling thread; one ATen thread, as each Spark task here
        ThreadCount.setForCurrentThread(1);
        Path command = tmp.resolve("command");
        int code = Main.run("eval", "--hr", hr.toString(), "--sr", sr.toString(), "--lr", lr.toString(),
                "-o", command + "/", "--metrics", METRICS, "--weights", weights.toString());
        assertThat(code).as("the bad cases are problems").isEqualTo(1);

        QualityReport report = SparkEval.run(LocalSpark.session(), EvalSettings.builder(hr.toString(), sr.toString())
                .lr(lr.toString()).metrics(List.of(METRICS.split(","))).weights(weights.toString()).partitions(3)
                .build());
        Path spark = tmp.resolve("spark");
        QualityReportWriter.write(report, QualityReportWriter.Files.forOutput(spark + "/"));

        for (String file : List.of("report.md", "report.csv", "report.json")) {
            assertThat(Files.readString(spark.resolve(file))).as(file)
                    .isEqualTo(Files.readString(command.resolve(file)));
        }
        QualityReport.Section restored = report.sections().get(0);
        assertThat(restored.images()).hasSize(5);
        assertThat(restored.distribution()).containsKey("fid");
        assertThat(report.problems()).extracting(QualityReport.Problem::where).contains("sr/broken", "sr/wide",
                "lr/" + hr.resolve("rocket.png"));
    }
}
