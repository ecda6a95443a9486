package dev.xpsr.torch;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * An opt-in profile of where a computation spends its time: wall time and FLOPs per operator kind, timed inside the
 * {@link Torch} facade, and per model region, marked by the networks ({@link #region}: a block family such as
 * "ResNet blocks") or by the caller ({@link #network}: "ControlNet", "UNet"). libtorch's own profiler is not reachable
 * through the Java binding (no {@code enableProfiler}), so these are timers around the calls; CPU operators are
 * synchronous, so a timer around one measures it.
 *
 * <p>FLOPs are counted from shapes, as the official networks' count does: a convolution 2·(C_in/g)·C_out·k²·H_out·W_out
 * per sample, a linear layer 2·in·out per token, an attention 4·L_q·L_k·d per head (QKᵀ and PV).
 * Normalisation, element-wise operators and copies are memory-bound and not counted.
 *
 * <p>Only the thread that {@link #start started} a profile is recorded, and only one profile runs at a time. When no
 * profile runs, an operator pays one static read; a region adds nothing but its lambda.
 */
public final class Profiler implements AutoCloseable {
    /** Operator kinds the facade times. */
    public enum Op { CONVOLUTION, LINEAR, ATTENTION, NORMALISATION, ELEMENTWISE, COPY }

    /** The time, calls and counted FLOPs of one cell of the profile. */
    public static final class Tally {
        private long nanos;
        private long calls;
        private double flops;

        void add(long dt, double f) {
            nanos += dt;
            calls++;
            flops += f;
        }

        public double seconds() {
            return nanos / 1e9;
        }

        public long calls() {
            return calls;
        }

        public double flops() {
            return flops;
        }
    }

    /** Label of the work outside any marked region. */
    public static final String UNMARKED = "other";

    /** A cell of the profile: a block family inside a network. */
    public record Region(String network, String family) {
    }

    private static volatile Profiler active;

    private final Thread owner = Thread.currentThread();
    private String network = UNMARKED;
    private String family = UNMARKED;
    private final Map<Region, Tally> familyTime = new LinkedHashMap<>();
    private final Map<String, Tally> networkTime = new LinkedHashMap<>();
    private final Map<Region, Map<Op, Tally>> opTime = new LinkedHashMap<>();

    private Profiler() {
    }

    /** Starts profiling the calling thread until the returned profile is closed. */
    public static synchronized Profiler start() {
        if (active != null) {
            throw new IllegalStateException("a profile is already running on " + active.owner.getName());
        }
        Profiler p = new Profiler();
        active = p;
        return p;
    }

    @Override
    public void close() {
        synchronized (Profiler.class) {
            if (active == this) {
                active = null;
            }
        }
    }

    /**
     * Runs {@code body} as part of a block family: its time and its operators count towards {@code family} unless an
     * enclosing region already names one (the outermost region wins, so the families partition the time).
     */
    public static <T> T region(String family, Supplier<T> body) {
        Profiler p = recording();
        if (p == null || !p.family.equals(UNMARKED)) {
            return body.get();
        }
        p.family = family;
        long t0 = System.nanoTime();
        try {
            return body.get();
        } finally {
            p.tally(p.familyTime, new Region(p.network, family)).add(System.nanoTime() - t0, 0);
            p.family = UNMARKED;
        }
    }

    /** Runs {@code body} as part of a network ({@code ControlNet}, {@code UNet}); the outermost network wins. */
    public static <T> T network(String name, Supplier<T> body) {
        Profiler p = recording();
        if (p == null || !p.network.equals(UNMARKED)) {
            return body.get();
        }
        p.network = name;
        long t0 = System.nanoTime();
        try {
            return body.get();
        } finally {
            p.tally(p.networkTime, name).add(System.nanoTime() - t0, 0);
            p.network = UNMARKED;
        }
    }

    /** Time and FLOPs of every operator kind, summed over all regions. */
    public Map<Op, Tally> byOperator() {
        Map<Op, Tally> out = new EnumMap<>(Op.class);
        opTime.values().forEach(m -> m.forEach((op, t) -> merge(out.computeIfAbsent(op, o -> new Tally()), t)));
        return out;
    }

    /** The operator tallies of every region that ran operators, in the order they first ran. */
    public Map<Region, Map<Op, Tally>> byRegion() {
        return opTime;
    }

    /** Wall time of a family's regions in a network, operators and everything between them; 0 if it never ran. */
    public double seconds(Region region) {
        Tally t = familyTime.get(region);
        return t == null ? 0 : t.seconds();
    }

    /** Wall time of a network's marked calls; 0 if it never ran. */
    public double networkSeconds(String network) {
        Tally t = networkTime.get(network);
        return t == null ? 0 : t.seconds();
    }

    // ---------------------------------------------------------------- used by the facade

    /** A start time when the calling thread is being profiled, else 0 (then nothing is recorded). */
    static long begin() {
        return recording() != null ? System.nanoTime() : 0;
    }

    /** Records an operator begun at {@code t0} (a {@link #begin} value); does nothing for 0. */
    static void end(long t0, Op op, double flops) {
        if (t0 == 0) {
            return;
        }
        long dt = System.nanoTime() - t0;
        Profiler p = active;
        if (p != null) {
            p.tally(p.opTime.computeIfAbsent(new Region(p.network, p.family), k -> new EnumMap<>(Op.class)), op)
                    .add(dt, flops);
        }
    }

    private static Profiler recording() {
        Profiler p = active;
        return p != null && p.owner == Thread.currentThread() ? p : null;
    }

    private <K> Tally tally(Map<K, Tally> map, K key) {
        return map.computeIfAbsent(key, k -> new Tally());
    }

    private static void merge(Tally into, Tally from) {
        into.nanos += from.nanos;
        into.calls += from.calls;
        into.flops += from.flops;
    }
}
