package dev.xpsr.workflow;

import dev.xpsr.eval.BarChart;
import dev.xpsr.eval.ComparisonGrid;
import dev.xpsr.eval.DegradedSample;
import dev.xpsr.eval.QualityReport;
import dev.xpsr.eval.QualityReport.MetricInfo;
import dev.xpsr.eval.QualityReport.Section;
import dev.xpsr.io.RgbImage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The figures of {@code xpsr benchmark-quality}: the comparison grid and one bar chart per metric. */
final class BenchmarkFigures {
    private BenchmarkFigures() {
    }

    /**
     * The grid: per photo, the LR (nearest-neighbour, at the HR size), every method's output and the HR crop.
     *
     * @param methods the method names, in column order
     * @param outputs per method, its outputs by photo name (a photo it failed on shows a grey cell)
     */
    static void grid(Path file, List<DegradedSample> samples, List<String> methods,
                     List<Map<String, RgbImage>> outputs, int cell) throws IOException {
        List<String> columns = new ArrayList<>(List.of("lr (nearest x4)"));
        columns.addAll(methods);
        columns.add("hr (ground truth)");
        List<ComparisonGrid.Row> rows = new ArrayList<>();
        for (DegradedSample s : samples) {
            int w = s.hr().width();
            int h = s.hr().height();
            List<RgbImage> images = new ArrayList<>();
            images.add(nearest(s.lr(), w / s.lr().width()));
            outputs.forEach(o -> images.add(o.getOrDefault(s.name(), RgbImage.filled(w, h, 128, 128, 128))));
            images.add(s.hr());
            rows.add(new ComparisonGrid.Row(s.name(), images));
        }
        ComparisonGrid.write(file, columns, rows, cell);
    }

    /** Each pixel repeated {@code factor}×{@code factor} times, so the LR shows its real pixels at the HR size. */
    static RgbImage nearest(RgbImage img, int factor) {
        int w = img.width() * factor;
        int h = img.height() * factor;
        byte[] src = img.toHwcBytes();
        byte[] dst = new byte[3 * w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                System.arraycopy(src, ((y / factor) * img.width() + x / factor) * 3, dst, (y * w + x) * 3, 3);
            }
        }
        return RgbImage.of(w, h, dst);
    }

    /**
     * {@code chart-<metric>.png} in {@code dir}: the mean (or set-level value) of each set that has the metric.
     *
     * @param referenceSet the set drawn as a reference bar (the ground truth's own scores)
     */
    static void charts(Path dir, QualityReport report, String referenceSet) throws IOException {
        for (MetricInfo m : report.metrics()) {
            List<BarChart.Bar> bars = new ArrayList<>();
            for (Section s : report.sections()) {
                s.mean(m.name()).ifPresent(v -> bars.add(new BarChart.Bar(s.name(), v,
                        s.name().equals(referenceSet))));
            }
            write(dir, m, bars);
        }
        for (MetricInfo m : report.distribution()) {
            List<BarChart.Bar> bars = new ArrayList<>();
            for (Section s : report.sections()) {
                if (s.distribution().containsKey(m.name())) {
                    bars.add(new BarChart.Bar(s.name(), s.distribution().get(m.name()), false));
                }
            }
            write(dir, m, bars);
        }
    }

    private static void write(Path dir, MetricInfo m, List<BarChart.Bar> bars) throws IOException {
        if (!bars.isEmpty()) {
            BarChart.write(dir.resolve("chart-" + m.name() + ".png"), m.name(), m.higherIsBetter(), bars);
        }
    }
}
