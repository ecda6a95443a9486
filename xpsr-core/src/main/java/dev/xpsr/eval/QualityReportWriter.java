package dev.xpsr.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.xpsr.eval.QualityReport.ImageScores;
import dev.xpsr.eval.QualityReport.MetricInfo;
import dev.xpsr.eval.QualityReport.Problem;
import dev.xpsr.eval.QualityReport.Section;
import dev.xpsr.eval.QualityReport.Unavailable;
import dev.xpsr.io.AtomicFiles;
import dev.xpsr.metrics.PretrainedFile;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * A {@link QualityReport} as Markdown (for people), CSV (one row per image and per set mean) and JSON (the whole
 * report), written atomically.
 *
 * <p>Numbers: CSV and JSON carry every value exactly ({@link Double#toString}, which parses back to the same
 * double); Markdown rounds to four decimals. An infinite value (PSNR of identical images) is written {@code inf}
 * everywhere (a JSON string there, since JSON has no infinity; Python's {@code float()} and pandas read it), and
 * a mean including one is {@code inf} too, as numpy's mean is. A value a metric could not give is an empty CSV
 * cell, absent from JSON and "–" in Markdown.
 */
public final class QualityReportWriter {
    /** CSV column 2 value of a per-image row. */
    public static final String IMAGE_ROW = "image";
    /** CSV column 2 value of a set-mean row. */
    public static final String MEAN_ROW = "mean";
    /** The base name of the report files written into a folder. */
    public static final String FOLDER_REPORT = "report";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private QualityReportWriter() {
    }

    /** The three files written by {@link #write}. */
    public record Files(Path markdown, Path csv, Path json) {
        /** {@code prefix.md}, {@code prefix.csv}, {@code prefix.json}. */
        public static Files at(Path prefix) {
            String p = prefix.getFileName().toString();
            return new Files(prefix.resolveSibling(p + ".md"), prefix.resolveSibling(p + ".csv"),
                    prefix.resolveSibling(p + ".json"));
        }

        /**
         * Where an {@code -o/--out} option puts a report: {@code out/report.{md,csv,json}} when {@code out} is an
         * existing folder or ends with a separator, else {@code out.{md,csv,json}}; the folder is created when
         * missing.
         */
        public static Files forOutput(String out) throws IOException {
            Path p = Path.of(out);
            boolean folder = java.nio.file.Files.isDirectory(p) || out.endsWith("/")
                    || out.endsWith(java.io.File.separator);
            Path prefix = folder ? p.resolve(FOLDER_REPORT) : p;
            java.nio.file.Files.createDirectories(prefix.toAbsolutePath().getParent());
            return at(prefix);
        }
    }

    /** Writes the three renderings, each atomically (complete or absent). */
    public static void write(QualityReport report, Files files) throws IOException {
        AtomicFiles.writeString(files.markdown(), markdown(report));
        AtomicFiles.writeString(files.csv(), csv(report));
        AtomicFiles.writeString(files.json(), json(report));
    }

    /**
     * What an eval command does with its finished report: the Markdown on {@code stdout}; with {@code out}, the
     * three files where {@link Files#forOutput} puts them, named on {@code err}, as is the number of problems.
     *
     * @return the command's exit code: 0, or 1 when the report lists problems
     */
    public static int emit(QualityReport report, String out, PrintWriter stdout, PrintWriter err)
            throws IOException {
        stdout.print(markdown(report));
        stdout.flush();
        if (out != null) {
            Files files = Files.forOutput(out);
            write(report, files);
            err.println("report written: " + files.markdown() + ", " + files.csv() + ", " + files.json());
        }
        if (!report.problems().isEmpty()) {
            err.println(report.problems().size() + " problem(s); see the report's Problems section");
        }
        return report.problems().isEmpty() ? 0 : 1;
    }

    // ---------------------------------------------------------------- numbers

    /** Exact text of a value: {@link Double#toString}, or {@code inf} / {@code -inf}. */
    public static String exact(double v) {
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        return Double.toString(v);
    }

    /** Parses what {@link #exact} writes. */
    public static double parseExact(String s) {
        return switch (s) {
            case "inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(s);
        };
    }

    private static String rounded(double v) {
        return Double.isInfinite(v) ? exact(v) : String.format(Locale.ROOT, "%.4f", v);
    }

    private static String rounded(OptionalDouble v) {
        return v.isPresent() ? rounded(v.getAsDouble()) : "–";
    }

    // ---------------------------------------------------------------- Markdown

    /** The report as a Markdown document. */
    public static String markdown(QualityReport r) {
        StringBuilder sb = new StringBuilder("# Quality report (").append(r.title()).append(")\n\n");
        r.settings().forEach((k, v) -> sb.append("- ").append(k).append(": ").append(v).append('\n'));
        sb.append("\n## Metrics\n\n| metric | better | convention, reference and weights |\n|---|---|---|\n");
        for (MetricInfo m : r.metrics()) {
            sb.append("| ").append(m.name()).append(" | ").append(m.arrow()).append(' ')
                    .append(m.needsReference() ? "(full-reference)" : "(no-reference)").append(" | ")
                    .append(cell(m.description())).append(" |\n");
        }
        for (MetricInfo m : r.distribution()) {
            sb.append("| ").append(m.name()).append(" | ").append(m.arrow()).append(" (whole set) | ")
                    .append(cell(m.description())).append(" |\n");
        }
        meansTable(sb, r);
        for (Section s : r.sections()) {
            imagesTable(sb, r, s);
        }
        unavailable(sb, r);
        problems(sb, r);
        return sb.toString();
    }

    private static void meansTable(StringBuilder sb, QualityReport r) {
        sb.append("\n## Means\n\n| set | images |");
        r.metrics().forEach(m -> sb.append(' ').append(m.name()).append(' ').append(m.arrow()).append(" |"));
        r.distribution().forEach(m -> sb.append(' ').append(m.name()).append(' ').append(m.arrow()).append(" |"));
        sb.append("\n|---|---|").append("---|".repeat(r.metrics().size() + r.distribution().size())).append('\n');
        for (Section s : r.sections()) {
            sb.append("| ").append(s.name()).append(" | ").append(s.images().size()).append(" |");
            r.metrics().forEach(m -> sb.append(' ').append(rounded(s.mean(m.name()))).append(" |"));
            r.distribution().forEach(m -> sb.append(' ').append(s.distribution().containsKey(m.name())
                    ? rounded(s.distribution().get(m.name())) : "–").append(" |"));
            sb.append('\n');
        }
    }

    private static void imagesTable(StringBuilder sb, QualityReport r, Section s) {
        List<MetricInfo> shown = r.metrics().stream().filter(m -> s.has(m.name())).toList();
        sb.append("\n## ").append(s.name()).append(": ").append(s.images().size()).append(" images\n\n")
                .append(s.description()).append("\n\n| image |");
        shown.forEach(m -> sb.append(' ').append(m.name()).append(' ').append(m.arrow()).append(" |"));
        sb.append("\n|---|").append("---|".repeat(shown.size())).append('\n');
        for (ImageScores i : s.images()) {
            sb.append("| ").append(cell(i.image())).append(" |");
            shown.forEach(m -> sb.append(' ').append(i.scores().containsKey(m.name())
                    ? rounded(i.scores().get(m.name())) : "–").append(" |"));
            sb.append('\n');
        }
        sb.append("| **mean** |");
        shown.forEach(m -> sb.append(" **").append(rounded(s.mean(m.name()))).append("** |"));
        sb.append('\n');
    }

    private static void unavailable(StringBuilder sb, QualityReport r) {
        if (r.unavailable().isEmpty()) {
            return;
        }
        sb.append("\n## Unavailable metrics\n\n");
        for (Unavailable u : r.unavailable()) {
            sb.append("- **").append(u.name()).append("**: ").append(u.reason().replace("\n", "\n  ")).append('\n');
        }
    }

    private static void problems(StringBuilder sb, QualityReport r) {
        if (r.problems().isEmpty()) {
            return;
        }
        sb.append("\n## Problems (").append(r.problems().size()).append(")\n\n");
        for (Problem p : r.problems()) {
            sb.append("- ").append(p.where()).append(": ").append(p.message().replace("\n", " ")).append('\n');
        }
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }

    // ---------------------------------------------------------------- CSV

    /**
     * The scores as CSV (RFC 4180): columns {@code set,row,image,<metric>...,<distribution metric>...}; one
     * {@value #IMAGE_ROW} row per image of each set, then one {@value #MEAN_ROW} row per set (image empty) with the
     * means and the set-level values.
     */
    public static String csv(QualityReport r) {
        List<String> header = new ArrayList<>(List.of("set", "row", "image"));
        r.metrics().forEach(m -> header.add(m.name()));
        r.distribution().forEach(m -> header.add(m.name()));
        StringBuilder sb = new StringBuilder();
        line(sb, header);
        for (Section s : r.sections()) {
            for (ImageScores i : s.images()) {
                List<String> row = new ArrayList<>(List.of(s.name(), IMAGE_ROW, i.image()));
                r.metrics().forEach(m -> row.add(i.scores().containsKey(m.name())
                        ? exact(i.scores().get(m.name())) : ""));
                r.distribution().forEach(m -> row.add(""));
                line(sb, row);
            }
            List<String> mean = new ArrayList<>(List.of(s.name(), MEAN_ROW, ""));
            r.metrics().forEach(m -> mean.add(s.mean(m.name()).isPresent() ? exact(s.mean(m.name()).getAsDouble())
                    : ""));
            r.distribution().forEach(m -> mean.add(s.distribution().containsKey(m.name())
                    ? exact(s.distribution().get(m.name())) : ""));
            line(sb, mean);
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, List<String> cells) {
        for (int i = 0; i < cells.size(); i++) {
            String c = cells.get(i);
            boolean quote = c.contains(",") || c.contains("\"") || c.contains("\n") || c.contains("\r");
            sb.append(i == 0 ? "" : ",").append(quote ? '"' + c.replace("\"", "\"\"") + '"' : c);
        }
        sb.append("\r\n");
    }

    // ---------------------------------------------------------------- JSON

    /**
     * The whole report as JSON: {@code title}, {@code settings}, {@code metrics} and {@code distributionMetrics}
     * (name, description, higherIsBetter, needsReference), {@code unavailable} (name, reason, files with url),
     * {@code sets} (name, description, images [{image, scores}], mean, count, distribution), {@code problems}
     * (set, file, message).
     */
    public static String json(QualityReport r) {
        ObjectNode root = JSON.createObjectNode();
        root.put("title", r.title());
        ObjectNode settings = root.putObject("settings");
        r.settings().forEach(settings::put);
        metricList(root.putArray("metrics"), r.metrics());
        metricList(root.putArray("distributionMetrics"), r.distribution());
        ArrayNode unavailable = root.putArray("unavailable");
        for (Unavailable u : r.unavailable()) {
            ObjectNode n = unavailable.addObject().put("name", u.name()).put("reason", u.reason());
            ArrayNode files = n.putArray("files");
            for (PretrainedFile f : u.files()) {
                files.addObject().put("file", f.fileName()).put("url", f.url()).put("contents", f.contents());
            }
        }
        ArrayNode sets = root.putArray("sets");
        for (Section s : r.sections()) {
            section(sets.addObject(), r, s);
        }
        ArrayNode problems = root.putArray("problems");
        r.problems().forEach(p -> problems.addObject().put("set", p.set()).put("file", p.file())
                .put("message", p.message()));
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException("cannot render the report as JSON", e);
        }
    }

    private static void metricList(ArrayNode out, List<MetricInfo> metrics) {
        for (MetricInfo m : metrics) {
            out.addObject().put("name", m.name()).put("description", m.description())
                    .put("higherIsBetter", m.higherIsBetter()).put("needsReference", m.needsReference());
        }
    }

    private static void section(ObjectNode n, QualityReport r, Section s) {
        n.put("name", s.name()).put("description", s.description());
        ArrayNode images = n.putArray("images");
        for (ImageScores i : s.images()) {
            ObjectNode scores = images.addObject().put("image", i.image()).putObject("scores");
            i.scores().forEach((k, v) -> number(scores, k, v));
        }
        ObjectNode mean = n.putObject("mean");
        ObjectNode count = n.putObject("count");
        for (MetricInfo m : r.metrics()) {
            s.mean(m.name()).ifPresent(v -> number(mean, m.name(), v));
            if (s.has(m.name())) {
                count.put(m.name(), s.count(m.name()));
            }
        }
        ObjectNode distribution = n.putObject("distribution");
        s.distribution().forEach((k, v) -> number(distribution, k, v));
    }

    private static void number(ObjectNode n, String key, double v) {
        if (Double.isFinite(v)) {
            n.put(key, v);
        } else {
            n.put(key, exact(v));
        }
    }
}
