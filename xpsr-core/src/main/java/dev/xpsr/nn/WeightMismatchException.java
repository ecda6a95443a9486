package dev.xpsr.nn;

import java.util.List;

/**
 * Weights that do not fit a model: every missing key, unexpected key and shape mismatch, reported together so a
 * user sees the whole picture at once (usually: the config.json does not belong to these weights).
 */
public final class WeightMismatchException extends IllegalArgumentException {
    private final List<String> missing;
    private final List<String> unexpected;
    private final List<String> shapeMismatches;

    public WeightMismatchException(String source, List<String> missing, List<String> unexpected,
                                   List<String> shapeMismatches) {
        super(message(source, missing, unexpected, shapeMismatches));
        this.missing = List.copyOf(missing);
        this.unexpected = List.copyOf(unexpected);
        this.shapeMismatches = List.copyOf(shapeMismatches);
    }

    public List<String> missing() {
        return missing;
    }

    public List<String> unexpected() {
        return unexpected;
    }

    public List<String> shapeMismatches() {
        return shapeMismatches;
    }

    private static String message(String source, List<String> missing, List<String> unexpected,
                                  List<String> shapes) {
        StringBuilder sb = new StringBuilder("weights in ").append(source).append(" do not fit the model built from its config: ");
        sb.append(missing.size()).append(" missing, ").append(unexpected.size()).append(" unexpected, ")
                .append(shapes.size()).append(" with the wrong shape");
        section(sb, "missing keys", missing);
        section(sb, "unexpected keys", unexpected);
        section(sb, "shape mismatches", shapes);
        sb.append("\nCheck that config.json belongs to these weights.");
        return sb.toString();
    }

    private static void section(StringBuilder sb, String title, List<String> items) {
        if (items.isEmpty()) {
            return;
        }
        sb.append("\n").append(title).append(":");
        int shown = Math.min(items.size(), 40);
        for (int i = 0; i < shown; i++) {
            sb.append("\n  ").append(items.get(i));
        }
        if (items.size() > shown) {
            sb.append("\n  ... and ").append(items.size() - shown).append(" more");
        }
    }
}
