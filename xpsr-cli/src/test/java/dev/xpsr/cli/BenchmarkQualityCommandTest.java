package dev.xpsr.cli;

import dev.xpsr.api.Method;
import dev.xpsr.api.UpscaleRequest;
import dev.xpsr.api.Upscaler;
import dev.xpsr.baseline.PilBicubicUpscaler;
import dev.xpsr.degrade.DegradationPreset;
import dev.xpsr.degrade.RealEsrganDegradation;
import dev.xpsr.eval.BarChart;
import dev.xpsr.eval.ComparisonGrid;
import dev.xpsr.eval.Csv;
import dev.xpsr.eval.DegradedSample;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import dev.xpsr.metrics.Metric;
import dev.xpsr.metrics.MetricRegistry;
import dev.xpsr.testing.TinyXpsrModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code xpsr benchmark-quality} end to end on two small crops of real photos, with bicubic and RDN-slim. */
class BenchmarkQualityCommandTest {
    private static final Path DATA = Path.of(System.getProperty("xpsr.data", "../fixtures/data"));
    private static final int CROP = 208;
    private static final int CELL = 96;

    @TempDir
    Path tmp;

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = new CommandLine(new BenchmarkQualityCommand()).setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /**
     * skimage_coffee (600x400) and opencv_fruits (512x480) are used; skimage_text (448x172) is too small for the
     * crop, so --count 3 gets two photos.
     */
    private Path photos() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("photos"));
        for (String f : List.of("opencv_fruits.png", "skimage_coffee.png", "skimage_text.png")) {
            Files.copy(DATA.resolve("images/hr").resolve(f), dir.resolve(f));
        }
        return dir;
    }

    private static void assertSize(Path png, int width, int height) throws Exception {
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img).as(png.toString()).isNotNull();
        assertThat(img.getWidth()).as(png + " width").isEqualTo(width);
        assertThat(img.getHeight()).as(png + " height").isEqualTo(height);
    }

    @Test
    void restoresScoresAndDrawsEveryMethodOnCentreCropsDegradedWithTheSeed() throws Exception {
        Path photos = photos();
        Path out = tmp.resolve("bench");
        Path weights = Files.createDirectories(tmp.resolve("no-weights"));
        Run r = run("--photos", photos.toString(), "--count", "3", "--crop", "" + CROP, "--seed", "7",
                "--methods", "bicubic-pil,rdn-slim", "--grid-cell", "" + CELL, "--weights", weights.toString(),
                "-o", out.toString());

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(0);
        assertThat(r.out()).contains("opencv_fruits, skimage_coffee (2 of the 3 asked for); skipped as smaller than "
                + "the crop: skimage_text (448x172)");
        // HR = the centre crop; LR = the seeded degradation of it, at a quarter of the size
        RealEsrganDegradation degradation = new RealEsrganDegradation(DegradationPreset.defaults());
        RgbImage fruits = ImageFiles.read(photos.resolve("opencv_fruits.png"));
        DegradedSample expected = DegradedSample.of("opencv_fruits", fruits, CROP, degradation, 7);
        RgbImage hr = ImageFiles.read(out.resolve("images/hr/opencv_fruits.png"));
        RgbImage lr = ImageFiles.read(out.resolve("images/lr/opencv_fruits.png"));
        assertThat(hr).isEqualTo(fruits.crop((512 - CROP) / 2, (480 - CROP) / 2, CROP, CROP));
        assertThat(lr).isEqualTo(expected.lr());
        assertThat(lr.width()).isEqualTo(CROP / 4);

        // the report: both methods, then the ground truth's own no-reference scores
        List<List<String>> csv = Csv.parse(Files.readString(out.resolve("report.csv")));
        assertThat(csv.get(0)).containsExactly("set", "row", "image", "psnr", "ssim", "niqe", "brisque");
        assertThat(csv.stream().skip(1).map(row -> row.get(0) + "/" + row.get(1) + "/" + row.get(2))).containsExactly(
                "bicubic-pil/image/opencv_fruits", "bicubic-pil/image/skimage_coffee", "bicubic-pil/mean/",
                "rdn-slim/image/opencv_fruits", "rdn-slim/image/skimage_coffee", "rdn-slim/mean/",
                "hr/image/opencv_fruits", "hr/image/skimage_coffee", "hr/mean/");
        Metric psnr = MetricRegistry.standard(MetricRegistry.Settings.defaults(DATA, weights)).entry("psnr").metric();
        RgbImage bicubic = new PilBicubicUpscaler(4).upscale(lr);
        assertThat(ImageFiles.read(out.resolve("images/bicubic-pil/opencv_fruits.png"))).isEqualTo(bicubic);
        assertThat(Double.parseDouble(csv.get(1).get(3))).isEqualTo(psnr.score(bicubic, hr));
        assertThat(csv.get(7).get(3)).as("no PSNR of the ground truth against itself").isEmpty();
        assertThat(Double.parseDouble(csv.get(7).get(5))).as("NIQE of the HR crop").isFinite();
        assertThat(Files.readString(out.resolve("report.md"))).isEqualTo(r.out());

        // the figures: 2 photos x (LR, 2 methods, HR), and one chart per metric
        assertSize(out.resolve("grid.png"), ComparisonGrid.width(4, CELL), ComparisonGrid.height(2, CELL));
        for (String metric : List.of("psnr", "ssim", "niqe", "brisque")) {
            assertSize(out.resolve("chart-" + metric + ".png"), BarChart.WIDTH, BarChart.HEIGHT);
        }
        BufferedImage grid = ImageIO.read(out.resolve("grid.png").toFile());
        // the HR cell of the first row shows the centre window of the HR crop, pixel for pixel
        int x0 = ComparisonGrid.GAP + 3 * (CELL + ComparisonGrid.GAP);
        int y0 = ComparisonGrid.GAP + ComparisonGrid.ROW_LABEL + ComparisonGrid.LABEL;
        int off = (CROP - CELL) / 2;
        for (int[] p : new int[][] {{0, 0}, {CELL - 1, CELL - 1}, {40, 57}}) {
            int rgb = grid.getRGB(x0 + p[0], y0 + p[1]) & 0xFFFFFF;
            int want = hr.get(off + p[0], off + p[1], 0) << 16 | hr.get(off + p[0], off + p[1], 1) << 8
                    | hr.get(off + p[0], off + p[1], 2);
            assertThat(rgb).as("grid pixel " + p[0] + "," + p[1]).isEqualTo(want);
        }
    }

    @Test
    void unknownOrUnavailableMethodIsAnOptionErrorSayingWhatIsMissing() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("no-models"));
        Run unknown = run("--methods", "bicubic-pil,edsr", "-o", tmp.resolve("a").toString());
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("no method 'edsr'; known: bicubic-pil, bicubic-matlab, rdn-slim, "
                + "rdn-medium, realesrgan-x4plus, xpsr");
        Run missing = run("--methods", "realesrgan-x4plus", "--models", empty.toString(), "-o",
                tmp.resolve("b").toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains(empty.resolve("ncnn-realesrgan/realesrgan-x4plus.bin").toString(),
                "scripts/fetch-models.sh");
        Run xpsr = run("--methods", "xpsr", "-o", tmp.resolve("c").toString());
        assertThat(xpsr.code()).isEqualTo(2);
        assertThat(xpsr.err()).contains("needs --xpsr");
        Run crop = run("--crop", "30", "-o", tmp.resolve("d").toString());
        assertThat(crop.code()).isEqualTo(2);
        assertThat(crop.err()).contains("--crop 30");
    }

    @Test
    void xpsrIsAMethodWhenItsWeightsAreGiven() throws Exception {
        TinyXpsrModels.Folders models = TinyXpsrModels.write(tmp.resolve("models"), 3);
        Path out = tmp.resolve("xpsr-bench");
        Run r = run("--photos", photos().toString(), "--count", "1", "--crop", "96", "--methods",
                "bicubic-pil,xpsr", "--xpsr", models.xpsr().toString(), "--model", models.sd15().toString(),
                "--steps", "1", "--process-size", "64", "--metrics", "psnr", "-o", out.toString());

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(0);
        RgbImage lr = ImageFiles.read(out.resolve("images/lr/opencv_fruits.png"));
        RgbImage expected;
        try (Upscaler upscaler = Upscaler.builder(Method.XPSR).xpsrWeights(models.xpsr().toString())
                .baseModel(models.sd15().toString()).build()) {
            expected = upscaler.upscale(UpscaleRequest.builder(lr).steps(1).processSize(64).build()).image();
        }
        assertThat(expected.width()).isEqualTo(96);
        assertThat(ImageFiles.read(out.resolve("images/xpsr/opencv_fruits.png"))).isEqualTo(expected);
        assertThat(r.out()).contains("| xpsr | 1 |", "method xpsr: XPSR");
        assertSize(out.resolve("grid.png"), ComparisonGrid.width(4, 96), ComparisonGrid.height(1, 96));
    }
}
