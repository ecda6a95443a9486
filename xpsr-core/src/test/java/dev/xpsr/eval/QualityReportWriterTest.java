package dev.xpsr.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.xpsr.eval.QualityReport.ImageScores;
import dev.xpsr.eval.QualityReport.MetricInfo;
import dev.xpsr.eval.QualityReport.Problem;
import dev.xpsr.eval.QualityReport.Section;
import dev.xpsr.eval.QualityReport.Unavailable;
import dev.xpsr.metrics.PretrainedFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The three renderings of a report carry the same numbers, exactly, infinities included. */
class QualityReportWriterTest {
    private static final double THIRD = 1.0 / 3.0;
    private static final double TINY = 4.9e-324;

    private static QualityReport report() {
        Map<String, Double> a = new LinkedHashMap<>();
        a.put("psnr", Double.POSITIVE_INFINITY);
        a.put("niqe", THIRD);
        Map<String, Double> b = new LinkedHashMap<>();
        b.put("psnr", 27.123456789012345);
        b.put("niqe", TINY);
        Map<String, Double> c = Map.of("niqe", -2.5);
        Section sr = new Section("sr", "restored, with, commas", List.of(new ImageScores("a,\"quoted\"", a),
                new ImageScores("b", b)), Map.of("fid", 12.25));
        Section lr = new Section("lr", "inputs", List.of(new ImageScores("c", c)), Map.of());
        return new QualityReport("test", Map.of("convention", "basicsr"),
                List.of(new MetricInfo("psnr", "PSNR | Y", true, true), new MetricInfo("niqe", "NIQE", false, false)),
                List.of(new MetricInfo("fid", "FID", false, true)),
                List.of(new Unavailable("lpips", "needs weights", List.of(PretrainedFile.LPIPS_ALEX))),
                List.of(sr, lr), List.of(Problem.of("x.png", "unreadable"), new Problem("sr", "b", "dists: bad")));
    }

    @Test
    void csvParsesBackToTheSameDoublesWithInfAndEmptyCells() throws Exception {
        List<List<String>> rows = Csv.parse(QualityReportWriter.csv(report()));
        assertThat(rows.get(0)).containsExactly("set", "row", "image", "psnr", "niqe", "fid");
        assertThat(rows.get(1)).containsExactly("sr", "image", "a,\"quoted\"", "inf", Double.toString(THIRD), "");
        assertThat(QualityReportWriter.parseExact(rows.get(2).get(3))).isEqualTo(27.123456789012345);
        assertThat(QualityReportWriter.parseExact(rows.get(2).get(4))).isEqualTo(TINY);
        // the mean of a set holding an infinite PSNR is infinite, as numpy's mean is
        assertThat(rows.get(3)).containsExactly("sr", "mean", "", "inf", Double.toString((THIRD + TINY) / 2), "12.25");
        assertThat(rows.get(4)).containsExactly("lr", "image", "c", "", "-2.5", "");
        assertThat(rows.get(5)).containsExactly("lr", "mean", "", "", "-2.5", "");
        assertThat(rows).hasSize(6);
    }

    @Test
    void jsonHoldsEverySectionMetricProblemAndUnavailableFileExactly() throws Exception {
        JsonNode root = new ObjectMapper().readTree(QualityReportWriter.json(report()));
        JsonNode sr = root.get("sets").get(0);
        assertThat(sr.get("images").get(0).get("scores").get("psnr").asText()).isEqualTo("inf");
        assertThat(sr.get("images").get(0).get("scores").get("niqe").doubleValue()).isEqualTo(THIRD);
        assertThat(sr.get("images").get(1).get("scores").get("niqe").doubleValue()).isEqualTo(TINY);
        assertThat(sr.get("mean").get("psnr").asText()).isEqualTo("inf");
        assertThat(sr.get("count").get("niqe").intValue()).isEqualTo(2);
        assertThat(sr.get("distribution").get("fid").doubleValue()).isEqualTo(12.25);
        JsonNode lr = root.get("sets").get(1);
        assertThat(lr.get("mean").has("psnr")).isFalse();
        assertThat(root.get("metrics").get(1).get("higherIsBetter").booleanValue()).isFalse();
        assertThat(root.get("unavailable").get(0).get("files").get(0).get("url").asText())
                .isEqualTo(PretrainedFile.LPIPS_ALEX.url());
        assertThat(root.get("problems").get(1).get("set").asText()).isEqualTo("sr");
        assertThat(root.get("problems").get(1).get("message").asText()).isEqualTo("dists: bad");
    }

    @Test
    void markdownShowsMeansDirectionsDescriptionsAndProblems() {
        String md = QualityReportWriter.markdown(report());
        assertThat(md).contains("| sr | 2 | inf | 0.1667 | 12.2500 |")
                .contains("| lr | 1 | – | -2.5000 | – |")
                .contains("| psnr | ↑ (full-reference) | PSNR \\| Y |")
                .contains("psnr ↑", "niqe ↓", "fid ↓")
                .contains("- **lpips**: needs weights")
                .contains("- x.png: unreadable", "- sr/b: dists: bad");
    }

    @Test
    void writesTheThreeFilesAtThePrefixWithoutLeftovers(@TempDir Path dir) throws Exception {
        QualityReportWriter.Files files = QualityReportWriter.Files.at(dir.resolve("run1"));
        QualityReportWriter.write(report(), files);
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString()).sorted().toList())
                    .containsExactly("run1.csv", "run1.json", "run1.md");
        }
        assertThat(Files.readString(files.csv())).isEqualTo(QualityReportWriter.csv(report()));
    }
}
