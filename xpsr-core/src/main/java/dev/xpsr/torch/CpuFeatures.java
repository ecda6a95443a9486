package dev.xpsr.torch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The instruction-set flags of this machine's CPU, as Linux lists them in {@code /proc/cpuinfo}. Used to decide
 * whether bf16 runs natively: oneDNN computes bf16 matrix products in hardware only with {@code avx512_bf16}
 * (AVX-512 dot products) or {@code amx_bf16} (AMX tiles); elsewhere it emulates them through float32.
 */
public final class CpuFeatures {
    /** The flags of which one makes bf16 native. */
    public static final List<String> NATIVE_BF16_FLAGS = List.of("avx512_bf16", "amx_bf16");

    private static final Path CPUINFO = Path.of("/proc/cpuinfo");
    private static volatile Optional<CpuFeatures> local;

    private final Set<String> flags;

    CpuFeatures(Set<String> flags) {
        this.flags = Set.copyOf(flags);
    }

    /** This machine's flags; empty where {@code /proc/cpuinfo} cannot be read (not Linux). */
    public static Optional<CpuFeatures> local() {
        Optional<CpuFeatures> f = local;
        if (f == null) {
            f = read(CPUINFO);
            local = f;
        }
        return f;
    }

    /** The flags of the first processor listed in a {@code /proc/cpuinfo} file; empty if it has no flags line. */
    static Optional<CpuFeatures> read(Path cpuinfo) {
        try {
            return parse(Files.readString(cpuinfo));
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }

    /** The flags of the first {@code flags : ...} line of a {@code /proc/cpuinfo} text. */
    static Optional<CpuFeatures> parse(String cpuinfo) {
        return cpuinfo.lines().filter(l -> l.startsWith("flags")).findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).trim())
                .map(list -> new CpuFeatures(Arrays.stream(list.split("\\s+")).collect(Collectors.toSet())));
    }

    public boolean has(String flag) {
        return flags.contains(flag);
    }

    /** True when one of {@link #NATIVE_BF16_FLAGS} is present. */
    public boolean nativeBf16() {
        return NATIVE_BF16_FLAGS.stream().anyMatch(this::has);
    }
}
