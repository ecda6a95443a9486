package dev.xpsr.cli;

import dev.xpsr.eval.QualityReportWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where {@code -o/--out} puts a report: a folder (existing, or named with a trailing '/') or a file prefix. */
final class ReportPaths {
    /** The base name of the report files inside a folder. */
    static final String BASE = "report";

    private ReportPaths() {
    }

    /**
     * {@code out/report.{md,csv,json}} when {@code out} is a folder or its text ends with a separator, else
     * {@code out.{md,csv,json}}; the folder is created when missing.
     */
    static QualityReportWriter.Files resolve(String out) throws IOException {
        Path p = Path.of(out);
        boolean folder = Files.isDirectory(p) || out.endsWith("/") || out.endsWith(java.io.File.separator);
        Path prefix = folder ? p.resolve(BASE) : p;
        Path parent = prefix.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        return QualityReportWriter.Files.at(prefix);
    }
}
