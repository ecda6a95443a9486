package dev.xpsr.pipeline;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a {@link VaeProgram} over the tiles of a {@link TileGrid}: vaehook's {@code vae_tile_forward} task loop
 * (qyp2000/XPSR {@code myutils/vaehook.py}).
 *
 * <p>Each round walks the tiles in order; a tile runs its steps until it reaches a GroupNorm, where it adds its
 * per-group mean and variance to the round's {@link GroupNormStats.Accumulator} and pauses. When every tile has
 * paused, the pixel-weighted statistics are applied to each tile at the start of the next round. A tile that
 * reaches the end of the program is cropped to its valid part and written into the output. Between rounds each
 * tile keeps only its activation and, inside a resnet or the attention, the pending shortcut ({@link Owned}
 * references); everything else a step makes is freed when the step ends.
 *
 * <p>Fast mode ({@link #fast}): the statistics of every GroupNorm are estimated once from a downsampled copy of
 * the whole input; tiles then run start to end one after another without pausing, so only one tile's activations
 * are alive at a time. The reference runs the tiles back and forth to save device transfers; the order changes
 * nothing but the summation order of the statistics, so tiles here always run first to last.
 */
final class TileQueue implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TileQueue.class);

    private final VaeProgram program;
    private final Map<Integer, GroupNormStats> fixedStats;

    private TileQueue(VaeProgram program, Map<Integer, GroupNormStats> fixedStats) {
        this.program = program;
        this.fixedStats = fixedStats;
    }

    /** The reference's default: statistics gathered from all tiles at every GroupNorm. */
    static TileQueue shared(VaeProgram program) {
        return new TileQueue(program, Map.of());
    }

    /**
     * vaehook's fast mode: statistics estimated on {@code input} shrunk to {@code tileSize} on its long side
     * ({@link FastModeInput}). Falls back to {@link #shared} when the estimate produces an all-NaN activation, as
     * the reference does.
     */
    static TileQueue fast(VaeProgram program, Tensor input, int tileSize) {
        Tensor small = Owned.compute(() -> FastModeInput.of(input, tileSize));
        Map<Integer, GroupNormStats> stats = estimate(program, small);
        if (stats == null) {
            LOG.warn("NaN in the fast-mode GroupNorm estimate; gathering statistics from all tiles instead");
            return shared(program);
        }
        return new TileQueue(program, stats);
    }

    /**
     * Runs every tile of {@code grid} over {@code input} (B, C, H, W) and writes each tile's valid part into
     * {@code result} (B, C', H', W').
     */
    void run(Tensor input, TileGrid grid, Tensor result) {
        List<TileState> states = new ArrayList<>();
        GroupNormStats shared = null;
        try {
            for (TileGrid.Tile tile : grid.tiles()) {
                states.add(new TileState(tile, Owned.compute(() -> slice(input, tile.input()))));
            }
            int remaining = states.size();
            while (remaining > 0) {
                try (GroupNormStats.Accumulator round = new GroupNormStats.Accumulator()) {
                    for (TileState s : states) {
                        if (s.x != null && advance(s, shared, round)) {
                            stitch(s, grid, result);
                            s.close();
                            remaining--;
                        }
                    }
                    close(shared);
                    shared = round.summary();
                }
            }
        } finally {
            states.forEach(TileState::close);
            close(shared);
        }
    }

    @Override
    public void close() {
        fixedStats.values().forEach(GroupNormStats::close);
    }

    /** Applies the pending shared norm, then runs steps until the next unresolved GroupNorm; true when finished. */
    private boolean advance(TileState s, GroupNormStats pending, GroupNormStats.Accumulator round) {
        if (pending != null) {
            s.replace(Owned.compute(() -> pending.apply(s.x)));
        }
        List<VaeProgram.Step> steps = program.steps();
        while (s.next < steps.size()) {
            int i = s.next++;
            VaeProgram.Step step = steps.get(i);
            GroupNormStats fixed = fixedStats.get(i);
            if (step instanceof VaeProgram.Norm norm && fixed == null) {
                try (PointerScope scope = new PointerScope()) {
                    round.add(s.x, norm.layer());
                }
                return false;
            }
            if (fixed != null) {
                s.replace(Owned.compute(() -> fixed.apply(s.x)));
            } else {
                execute(step, s);
            }
        }
        return true;
    }

    /** Runs one non-norm step on a tile. */
    private static void execute(VaeProgram.Step step, TileState s) {
        if (step instanceof VaeProgram.StoreResidual store) {
            s.residual = Owned.compute(() -> store.shortcut().apply(s.x));
        } else if (step instanceof VaeProgram.AddResidual) {
            // in place, as the reference's `tile += res`: the tile here is always a fresh conv or attention output
            s.replace(Owned.compute(() -> s.x.add_(s.residual)));
            Owned.release(s.residual);
            s.residual = null;
        } else if (step instanceof VaeProgram.Op op) {
            s.replace(Owned.compute(() -> op.fn().apply(s.x)));
        } else {
            throw new IllegalStateException("unexpected step " + step);
        }
    }

    /**
     * {@code estimate_group_norm}: runs the whole (small) input as one tile up to the last GroupNorm, each norm
     * using the statistics of that input, and keeps them by step index; null when an activation is all NaN.
     */
    private static Map<Integer, GroupNormStats> estimate(VaeProgram program, Tensor small) {
        Map<Integer, GroupNormStats> stats = new HashMap<>();
        int last = program.lastNorm();
        try (TileState s = new TileState(null, small)) {
            for (int i = 0; i <= last; i++) {
                s.next = i + 1;
                VaeProgram.Step step = program.steps().get(i);
                if (step instanceof VaeProgram.Norm norm) {
                    GroupNormStats own = GroupNormStats.of(s.x, norm.layer());
                    stats.put(i, own);
                    if (i < last) {
                        s.replace(Owned.compute(() -> own.apply(s.x)));
                    }
                } else {
                    execute(step, s);
                }
                if (allNaN(s.x)) {
                    stats.values().forEach(GroupNormStats::close);
                    return null;
                }
            }
        }
        return stats;
    }

    private static boolean allNaN(Tensor x) {
        try (PointerScope scope = new PointerScope()) {
            return x.isnan().all().item_bool();
        }
    }

    private static Tensor slice(Tensor input, TileGrid.Box box) {
        return input.narrow(2, box.y0(), box.height()).narrow(3, box.x0(), box.width());
    }

    private static void stitch(TileState s, TileGrid grid, Tensor result) {
        try (PointerScope scope = new PointerScope()) {
            slice(result, s.tile.output()).copy_(grid.crop(s.x, s.tile));
        }
    }

    private static void close(GroupNormStats stats) {
        if (stats != null) {
            stats.close();
        }
    }

    /** One tile in flight: its current activation, its pending shortcut and the index of its next step. */
    private static final class TileState implements AutoCloseable {
        final TileGrid.Tile tile;
        Tensor x;
        Tensor residual;
        int next;

        TileState(TileGrid.Tile tile, Tensor x) {
            this.tile = tile;
            this.x = x;
        }

        /** Makes {@code y} the activation, letting go of the previous one. */
        void replace(Tensor y) {
            Owned.release(x);
            x = y;
        }

        @Override
        public void close() {
            Owned.release(x);
            Owned.release(residual);
            x = null;
            residual = null;
        }
    }
}
