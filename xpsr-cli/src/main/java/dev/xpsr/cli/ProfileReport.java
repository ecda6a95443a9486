package dev.xpsr.cli;

import dev.xpsr.bench.GemmRate;
import dev.xpsr.torch.Profiler;
import dev.xpsr.torch.Profiler.Op;
import dev.xpsr.torch.Profiler.Region;
import dev.xpsr.torch.Profiler.Tally;

import java.io.PrintWriter;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * Prints a {@link Profiler} of one pass: time, counted FLOPs, GFLOP/s and the share of the GEMM rate, per operator
 * kind and per network and block family. Time no timed operator accounts for (element-wise adds and multiplies,
 * scalar operators, allocation, Java) is shown as "untimed" within each region.
 */
final class ProfileReport {
    private static final String ROW = "  %-40s %8.2f %6.1f%% %9.1f %8.1f %6.1f%%%n";
    private static final String HEAD = "  %-40s %8s %7s %9s %8s %7s%n";

    private final PrintWriter out;
    private final double total;
    private final GemmRate gemm;

    ProfileReport(PrintWriter out, double totalSeconds, GemmRate gemm) {
        this.out = out;
        this.total = totalSeconds;
        this.gemm = gemm;
    }

    void print(Profiler profile) {
        Map<Op, Tally> ops = profile.byOperator();
        double flops = ops.values().stream().mapToDouble(Tally::flops).sum();
        out.printf(Locale.ROOT, "GEMM %d^3 (float32, all threads): %.1f GFLOP/s on the BLAS (torch.mm), %.1f GFLOP/s "
                + "on the linear route (oneDNN); rate used: %.1f GFLOP/s%n", gemm.size(), gemm.blas(), gemm.linear(),
                gemm.best());
        out.printf(Locale.ROOT, "profiled pass: %.2f s, %.3f TFLOP counted, %.1f GFLOP/s = %.1f%% of the GEMM rate "
                + "(at the GEMM rate: %.1f s)%n", total, flops / 1e12, flops / total / 1e9,
                100 * flops / total / 1e9 / gemm.best(), flops / 1e9 / gemm.best());
        out.println("by operator kind:");
        out.printf(Locale.ROOT, HEAD, "kind", "time s", "share", "GFLOP", "GFLOP/s", "GEMM");
        double timed = 0;
        for (Op op : Op.values()) {
            Tally t = ops.getOrDefault(op, new Tally());
            timed += t.seconds();
            row(label(op) + " (" + t.calls() + " calls)", t.seconds(), t.flops());
        }
        row("untimed (adds, scalars, allocation)", total - timed, 0);
        out.println("by network and block family (operators inside; untimed = the family's time outside them):");
        out.printf(Locale.ROOT, HEAD, "network / family", "time s", "share", "GFLOP", "GFLOP/s", "GEMM");
        for (Map.Entry<Region, Map<Op, Tally>> e : profile.byRegion().entrySet()) {
            Region r = e.getKey();
            double opSeconds = e.getValue().values().stream().mapToDouble(Tally::seconds).sum();
            double regionSeconds = r.family().equals(Profiler.UNMARKED) ? opSeconds : profile.seconds(r);
            row(r.network() + " / " + r.family(), regionSeconds, e.getValue().values().stream()
                    .mapToDouble(Tally::flops).sum());
            out.printf(Locale.ROOT, "      %s%n", split(e.getValue(), regionSeconds - opSeconds));
        }
        for (String network : new String[] {"ControlNet", "UNet"}) {
            double s = profile.networkSeconds(network);
            if (s > 0) {
                double f = profile.byRegion().entrySet().stream().filter(e -> e.getKey().network().equals(network))
                        .flatMap(e -> e.getValue().values().stream()).mapToDouble(Tally::flops).sum();
                row(network + " (whole pass)", s, f);
            }
        }
    }

    private void row(String label, double seconds, double flops) {
        double rate = seconds > 0 ? flops / seconds / 1e9 : 0;
        out.printf(Locale.ROOT, ROW, label, seconds, 100 * seconds / total, flops / 1e9, rate,
                100 * rate / gemm.best());
    }

    /** "convolution 1.20 s, linear 0.80 s, ..., untimed 0.10 s" for one region. */
    private static String split(Map<Op, Tally> ops, double untimed) {
        StringBuilder sb = new StringBuilder();
        Map<Op, Tally> ordered = new EnumMap<>(ops);
        ordered.forEach((op, t) -> sb.append(String.format(Locale.ROOT, "%s %.2f s, ", label(op), t.seconds())));
        return sb.append(String.format(Locale.ROOT, "untimed %.2f s", untimed)).toString();
    }

    private static String label(Op op) {
        return switch (op) {
            case CONVOLUTION -> "convolution";
            case LINEAR -> "linear";
            case ATTENTION -> "attention";
            case NORMALISATION -> "normalisation";
            case ELEMENTWISE -> "element-wise (SiLU, GELU)";
            case COPY -> "copies (layout, concat)";
        };
    }
}
