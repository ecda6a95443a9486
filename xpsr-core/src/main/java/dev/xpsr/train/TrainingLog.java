package dev.xpsr.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.xpsr.io.AtomicFiles;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The loss log of a run, one row per optimizer step, in {@code <output_dir>/logs/}: {@code train_log.csv} (header
 * {@code step,lr,grad_norm,loss,mse,dfc,dfc_rgb_0,…}) and {@code train_log.jsonl} (one JSON object per line with
 * the same fields), appended and flushed each step, plus {@code loss.png} redrawn on request. A resumed run drops
 * the rows after its checkpoint's step, so the files describe the run that actually continued.
 */
public final class TrainingLog {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One logged step. */
    public record Row(long step, double lr, double gradNorm, Map<String, Double> terms) {
    }

    private final Path csv;
    private final Path jsonl;
    private final Path plot;
    private final List<Row> rows = new ArrayList<>();
    private List<String> columns;

    /** Opens the log of {@code outputDir}, keeping the rows up to {@code resumeStep} (0: a fresh run). */
    public TrainingLog(Path outputDir, long resumeStep) throws IOException {
        Path dir = Files.createDirectories(outputDir.resolve("logs"));
        this.csv = dir.resolve("train_log.csv");
        this.jsonl = dir.resolve("train_log.jsonl");
        this.plot = dir.resolve("loss.png");
        readKept(resumeStep);
        rewrite();
    }

    /** Appends one step. */
    public void append(Row row) throws IOException {
        if (columns == null) {
            columns = new ArrayList<>(row.terms().keySet());
            Files.writeString(csv, header() + "\n", StandardCharsets.UTF_8);
        }
        rows.add(row);
        appendLine(csv, csvLine(row));
        appendLine(jsonl, JSON.writeValueAsString(json(row)));
    }

    /** Every row of this run, resumed ones included. */
    public List<Row> rows() {
        return List.copyOf(rows);
    }

    /** Redraws {@code loss.png} from all rows. */
    public void plot() throws IOException {
        if (!rows.isEmpty()) {
            LossCurvePlot.write(plot, rows);
        }
    }

    public Path csvFile() {
        return csv;
    }

    public Path jsonlFile() {
        return jsonl;
    }

    public Path plotFile() {
        return plot;
    }

    private void readKept(long resumeStep) throws IOException {
        if (resumeStep <= 0 || !Files.isRegularFile(jsonl)) {
            return;
        }
        for (String line : Files.readAllLines(jsonl, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            ObjectNode n;
            try {
                n = (ObjectNode) JSON.readTree(line);
            } catch (IOException e) {
                break; // a line cut by a kill: everything before it is kept
            }
            long step = n.get("step").asLong();
            if (step > resumeStep) {
                break;
            }
            Map<String, Double> terms = new LinkedHashMap<>();
            n.fields().forEachRemaining(e -> {
                if (!List.of("step", "lr", "grad_norm").contains(e.getKey())) {
                    terms.put(e.getKey(), e.getValue().asDouble());
                }
            });
            rows.add(new Row(step, n.get("lr").asDouble(), n.get("grad_norm").asDouble(), terms));
        }
    }

    private void rewrite() throws IOException {
        StringBuilder c = new StringBuilder();
        StringBuilder j = new StringBuilder();
        if (!rows.isEmpty()) {
            columns = new ArrayList<>(rows.get(0).terms().keySet());
            c.append(header()).append('\n');
        }
        for (Row r : rows) {
            c.append(csvLine(r)).append('\n');
            j.append(JSON.writeValueAsString(json(r))).append('\n');
        }
        AtomicFiles.writeString(csv, c.toString());
        AtomicFiles.writeString(jsonl, j.toString());
    }

    private String header() {
        return "step,lr,grad_norm," + String.join(",", columns);
    }

    private String csvLine(Row r) {
        StringBuilder s = new StringBuilder().append(r.step()).append(',').append(num(r.lr())).append(',')
                .append(num(r.gradNorm()));
        for (String c : columns) {
            Double v = r.terms().get(c);
            s.append(',').append(v == null ? "" : num(v));
        }
        return s.toString();
    }

    private static ObjectNode json(Row r) {
        ObjectNode n = JSON.createObjectNode();
        n.put("step", r.step());
        n.put("lr", r.lr());
        n.put("grad_norm", r.gradNorm());
        r.terms().forEach(n::put);
        return n;
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.9g", v);
    }

    private static void appendLine(Path file, String line) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            w.write(line);
            w.write('\n');
        }
    }
}
