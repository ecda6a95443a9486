package dev.xpsr.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.xpsr.baseline.PilBicubicUpscaler;
import dev.xpsr.eval.Csv;
import dev.xpsr.eval.QualityReportWriter;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import dev.xpsr.metrics.Metric;
import dev.xpsr.metrics.MetricRegistry;
import dev.xpsr.metrics.PretrainedFile;
import dev.xpsr.pipeline.PilResize;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code xpsr eval} end to end on crops of real photos: HR crops, SR = Pillow bicubic ×4 of their ×4 downscales,
 * one identical pair, a grey and an alpha pair, and the bad cases (a missing counterpart, a size mismatch, an
 * unreadable file).
 */
class EvalCommandTest {
    private static final Path DATA = Path.of(System.getProperty("xpsr.data", "../fixtures/data"));
    private static final int SIDE = 200;

    @TempDir
    static Path tmp;
    private static Path hr;
    private static Path sr;
    /** The images each pair should be scored on, as RGB (grey and alpha converted by hand). */
    private static final Map<String, RgbImage[]> EXPECTED_PAIRS = new LinkedHashMap<>();

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = new CommandLine(new EvalCommand()).setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static RgbImage crop(String photo, int x, int y) throws Exception {
        return ImageFiles.read(DATA.resolve("images/hr").resolve(photo)).crop(x, y, SIDE, SIDE);
    }

    /** Pillow bicubic ×1/4 then ×4: a blurred image of the same size. */
    private static RgbImage bicubicRoundTrip(RgbImage hr) {
        return new PilBicubicUpscaler(4).upscale(PilResize.resize(hr, hr.width() / 4, hr.height() / 4));
    }

    @BeforeAll
    static void folders() throws Exception {
        hr = Files.createDirectories(tmp.resolve("hr"));
        sr = Files.createDirectories(tmp.resolve("sr"));
        RgbImage coffee = crop("skimage_coffee.png", 200, 100);
        RgbImage fruits = crop("opencv_fruits.png", 150, 150);
        RgbImage chelsea = crop("skimage_chelsea.png", 120, 50);
        pair("coffee", coffee, bicubicRoundTrip(coffee));
        pair("fruits", fruits, bicubicRoundTrip(fruits));
        pair("identical", chelsea, chelsea);
        greyPair();
        alphaPair(fruits);
        // the bad cases
        ImageFiles.writePng(hr.resolve("only_hr.png"), coffee);
        ImageFiles.writePng(hr.resolve("wide.png"), coffee);
        ImageFiles.writePng(sr.resolve("wide.png"), ImageFiles.read(DATA.resolve("images/hr/skimage_coffee.png"))
                .crop(0, 0, SIDE + 4, SIDE));
        ImageFiles.writePng(hr.resolve("broken.png"), chelsea);
        byte[] png = Files.readAllBytes(hr.resolve("broken.png"));
        Files.write(sr.resolve("broken.png"), Arrays.copyOf(png, png.length / 3));
    }

    private static void pair(String name, RgbImage h, RgbImage s) throws Exception {
        ImageFiles.writePng(hr.resolve(name + ".png"), h);
        ImageFiles.writePng(sr.resolve(name + ".png"), s);
        EXPECTED_PAIRS.put(name, new RgbImage[] {s, h});
    }

    /** An 8-bit grey PNG pair: scored as R = G = B, Pillow's convert('RGB') of mode L. */
    private static void greyPair() throws Exception {
        RgbImage camera = crop("skimage_camera.png", 150, 100);
        RgbImage blurred = bicubicRoundTrip(camera);
        writeGrey(hr.resolve("grey.png"), camera);
        writeGrey(sr.resolve("grey.png"), blurred);
        EXPECTED_PAIRS.put("grey", new RgbImage[] {greyAsRgb(blurred), greyAsRgb(camera)});
    }

    private static void writeGrey(Path file, RgbImage img) throws Exception {
        BufferedImage g = new BufferedImage(img.width(), img.height(), BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < img.width(); x++) {
                g.getRaster().setSample(x, y, 0, img.get(x, y, 1));
            }
        }
        ImageIO.write(g, "png", file.toFile());
    }

    private static RgbImage greyAsRgb(RgbImage img) {
        byte[] px = new byte[3 * img.width() * img.height()];
        for (int i = 0; i < img.width() * img.height(); i++) {
            int v = img.get(i % img.width(), i / img.width(), 1);
            px[3 * i] = px[3 * i + 1] = px[3 * i + 2] = (byte) v;
        }
        return RgbImage.of(img.width(), img.height(), px);
    }

    /** An RGBA pair with a varying alpha: the alpha is dropped, not composited (Pillow's convert('RGB')). */
    private static void alphaPair(RgbImage base) throws Exception {
        RgbImage blurred = bicubicRoundTrip(base);
        writeRgba(hr.resolve("alpha.png"), base);
        writeRgba(sr.resolve("alpha.png"), blurred);
        EXPECTED_PAIRS.put("alpha", new RgbImage[] {blurred, base});
    }

    private static void writeRgba(Path file, RgbImage img) throws Exception {
        BufferedImage a = new BufferedImage(img.width(), img.height(), BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < img.width(); x++) {
                int alpha = (x * 255) / img.width();
                a.setRGB(x, y, alpha << 24 | img.get(x, y, 0) << 16 | img.get(x, y, 1) << 8 | img.get(x, y, 2));
            }
        }
        ImageIO.write(a, "png", file.toFile());
    }

    private static List<Metric> referenceMetrics(Path weights) {
        return MetricRegistry.standard(MetricRegistry.Settings.defaults(DATA, weights)).availableMetrics();
    }

    @Test
    void scoresEveryGoodPairExactlyAsTheMetricsDoAndListsEveryBadFile() throws Exception {
        Path weights = Files.createDirectories(tmp.resolve("no-weights"));
        Path out = tmp.resolve("out1/");
        Run r = run("--hr", hr.toString(), "--sr", sr.toString(), "--weights", weights.toString(), "-o", out + "/");

        assertThat(r.code()).as(r.err()).isEqualTo(1);
        List<List<String>> csv = Csv.parse(Files.readString(out.resolve("report.csv")));
        List<String> header = csv.get(0);
        assertThat(header).containsExactly("set", "row", "image", "psnr", "ssim", "niqe", "brisque");
        assertThat(csv.stream().skip(1).filter(row -> row.get(1).equals("image")).map(row -> row.get(2)))
                .containsExactly("alpha", "coffee", "fruits", "grey", "identical");
        JsonNode json = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        JsonNode images = json.get("sets").get(0).get("images");
        List<Metric> metrics = referenceMetrics(weights);
        for (int i = 0; i < images.size(); i++) {
            String name = images.get(i).get("image").asText();
            RgbImage[] pair = EXPECTED_PAIRS.get(name);
            for (Metric m : metrics) {
                double expected = m.score(pair[0], pair[1]);
                String cell = csv.get(1 + i).get(header.indexOf(m.name()));
                assertThat(QualityReportWriter.parseExact(cell)).as(name + " " + m.name() + " (CSV)")
                        .isEqualTo(expected);
                JsonNode value = images.get(i).get("scores").get(m.name());
                assertThat(value.isNumber() ? value.doubleValue() : QualityReportWriter.parseExact(value.asText()))
                        .as(name + " " + m.name() + " (JSON)").isEqualTo(expected);
            }
        }
        // identical images: PSNR is infinite (written "inf", and so is the mean), SSIM is 1
        List<String> identical = csv.get(5);
        assertThat(identical.get(3)).isEqualTo("inf");
        assertThat(Double.parseDouble(identical.get(4))).isCloseTo(1.0, within(1e-12));
        List<String> mean = csv.get(6);
        assertThat(mean.subList(0, 4)).containsExactly("sr", "mean", "", "inf");
        double ssimMean = csv.subList(1, 6).stream().mapToDouble(row -> Double.parseDouble(row.get(4))).average()
                .orElseThrow();
        assertThat(Double.parseDouble(mean.get(4))).isEqualTo(ssimMean);

        String md = Files.readString(out.resolve("report.md"));
        assertThat(r.out()).isEqualTo(md);
        assertThat(md).contains(hr.resolve("only_hr.png") + ": no SR image of the same name")
                .contains("sr/wide: " + sr.resolve("wide.png") + " vs " + hr.resolve("wide.png")
                        + ": restored image is 204x200 but the ground truth is 200x200")
                .contains("sr/broken: " + sr.resolve("broken.png"))
                .contains("**lpips**: lpips is unavailable: it needs", PretrainedFile.LPIPS_ALEX.url())
                .contains("| identical | inf | 1.0000 |");
        assertThat(json.get("problems")).hasSize(3);
        assertThat(json.get("unavailable").get(0).get("files").get(0).get("url").asText())
                .isEqualTo(PretrainedFile.LPIPS_ALEX.url());
        try (var s = Files.list(out)) {
            assertThat(s.map(p -> p.getFileName().toString()).sorted().toList())
                    .containsExactly("report.csv", "report.json", "report.md");
        }
    }

    @Test
    void cropPolicyScoresTheMismatchedPairAndTheLrFolderGetsNoReferenceScores() throws Exception {
        Path clean = Files.createDirectories(tmp.resolve("clean"));
        Path cleanHr = Files.createDirectories(clean.resolve("hr"));
        Path cleanSr = Files.createDirectories(clean.resolve("sr"));
        Path lr = Files.createDirectories(clean.resolve("lr"));
        for (String n : List.of("coffee", "wide")) {
            Files.copy(hr.resolve(n + ".png"), cleanHr.resolve(n + ".png"));
            Files.copy(sr.resolve(n + ".png"), cleanSr.resolve(n + ".png"));
            RgbImage h = ImageFiles.read(hr.resolve(n + ".png"));
            ImageFiles.writePng(lr.resolve(n + ".png"), PilResize.resize(h, SIDE / 4, SIDE / 4));
        }
        Path prefix = clean.resolve("results/run");
        Run r = run("--hr", cleanHr.toString(), "--sr", cleanSr.toString(), "--lr", lr.toString(), "--resize", "crop",
                "--metrics", "brisque,psnr", "-o", prefix.toString());

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(0);
        List<List<String>> csv = Csv.parse(Files.readString(clean.resolve("results/run.csv")));
        // registry order, whatever the order asked for
        assertThat(csv.get(0)).containsExactly("set", "row", "image", "psnr", "brisque");
        RgbImage wideSr = ImageFiles.read(cleanSr.resolve("wide.png"));
        RgbImage wideHr = ImageFiles.read(cleanHr.resolve("wide.png"));
        Metric psnr = referenceMetrics(tmp).get(0);
        assertThat(Double.parseDouble(csv.get(2).get(3))).isEqualTo(psnr.score(wideSr.crop(0, 0, SIDE, SIDE), wideHr));
        // the LR rows: no-reference scores only
        assertThat(csv.get(4).subList(0, 4)).containsExactly("lr", "image", "coffee", "");
        assertThat(Double.parseDouble(csv.get(4).get(4))).isFinite();
        assertThat(r.out()).contains("## lr: 2 images");
    }

    @Test
    void unknownMetricOrPolicyIsAnOptionErrorNamingTheValidOnes() {
        Run metric = run("--hr", hr.toString(), "--sr", sr.toString(), "--metrics", "psnr,musiqq");
        assertThat(metric.code()).isEqualTo(2);
        assertThat(metric.err()).contains("no metric 'musiqq'; known: psnr, ssim");
        Run policy = run("--hr", hr.toString(), "--sr", sr.toString(), "--resize", "stretch");
        assertThat(policy.code()).isEqualTo(2);
        assertThat(policy.err()).contains("unknown resize policy 'stretch'; valid: error, bicubic, crop");
        Run folder = run("--hr", tmp.resolve("nope").toString(), "--sr", sr.toString());
        assertThat(folder.code()).isEqualTo(2);
        assertThat(folder.err()).contains(tmp.resolve("nope").toString());
    }
}
