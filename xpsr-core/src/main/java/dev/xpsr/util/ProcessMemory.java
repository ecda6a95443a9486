package dev.xpsr.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The process's resident memory as the kernel reports it ({@code /proc/self/status}): native tensors live
 * outside the Java heap, so heap statistics would miss nearly all of it.
 */
public final class ProcessMemory {
    private ProcessMemory() {
    }

    /** Peak resident set size (VmHWM) in bytes, or −1 where /proc is not available. */
    public static long peakRssBytes() {
        return field("VmHWM:");
    }

    /** Current resident set size (VmRSS) in bytes, or −1 where /proc is not available. */
    public static long rssBytes() {
        return field("VmRSS:");
    }

    /** Bytes as a short human-readable figure (GiB with two decimals, or MiB). */
    public static String format(long bytes) {
        if (bytes < 0) {
            return "n/a";
        }
        double gib = bytes / (1024.0 * 1024 * 1024);
        return gib >= 1 ? String.format("%.2f GiB", gib) : String.format("%.0f MiB", bytes / (1024.0 * 1024));
    }

    private static long field(String name) {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/self/status"));
            for (String line : lines) {
                if (line.startsWith(name)) {
                    String[] parts = line.substring(name.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
