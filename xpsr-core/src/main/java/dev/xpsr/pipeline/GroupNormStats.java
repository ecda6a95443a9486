package dev.xpsr.pipeline;

import dev.xpsr.nn.GroupNorm;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Fixed GroupNorm statistics, applied to any tile: vaehook's {@code GroupNormParam} and {@code custom_group_norm}
 * (qyp2000/XPSR {@code myutils/vaehook.py}).
 *
 * <p>mean and var are (B, G), float32: per sample and group, over C/G channels × all positions, var biased.
 * Applying them to a tile x (B, C, h, w) gives (x − mean_g) / √(var_g + eps) · weight_c + bias_c in x's dtype, with
 * the layer's own eps and affine. The reference hard-codes 32 groups; the layer's group count is used here (32 in
 * SD's VAE, 8 in the golden tiny VAE). The two small tensors are owned by this object ({@link #close} releases
 * them), so they outlive the per-step scopes of the tiles they are applied to.
 */
final class GroupNormStats implements AutoCloseable {
    private final GroupNorm layer;
    private final Tensor mean;
    private final Tensor var;

    private GroupNormStats(GroupNorm layer, Tensor mean, Tensor var) {
        this.layer = layer;
        this.mean = mean;
        this.var = var;
    }

    /** The statistics of one tile alone ({@code GroupNormParam.from_tile}, fast mode). */
    static GroupNormStats of(Tensor x, GroupNorm layer) {
        return new GroupNormStats(layer,
                Owned.compute(() -> Torch.mean(grouped(x, layer), 2, false).to(ScalarType.Float)),
                Owned.compute(() -> groupVariance(x, layer)));
    }

    /** Normalises a tile with these statistics: a new tensor of x's shape and dtype. */
    Tensor apply(Tensor x) {
        long b = x.size(0);
        long c = x.size(1);
        long perGroup = c / layer.groups;
        Tensor meanC = perChannel(mean, b, perGroup).to(x.scalar_type());
        Tensor scaleC = perChannel(Torch.add(var, layer.eps).rsqrt(), b, perGroup)
                .mul(layer.weight.view(1, c, 1, 1).to(ScalarType.Float)).to(x.scalar_type());
        return x.sub(meanC).mul_(scaleC).add_(layer.bias.view(1, c, 1, 1));
    }

    @Override
    public void close() {
        Owned.release(mean);
        Owned.release(var);
    }

    /** (B, G) → (B, C, 1, 1), each group's value repeated over its channels. */
    private static Tensor perChannel(Tensor byGroup, long b, long perGroup) {
        long g = byGroup.size(1);
        return byGroup.view(b, g, 1).expand(b, g, perGroup).reshape(b, g * perGroup, 1, 1);
    }

    /** x (B, C, h, w) viewed as (B, G, C/G · h · w). */
    private static Tensor grouped(Tensor x, GroupNorm layer) {
        return x.reshape(x.size(0), layer.groups, -1);
    }

    /**
     * Biased per-group variance as float32. A half-precision variance of a large activation can overflow; the
     * reference then recomputes it from a float32 copy of the tile, and so does this.
     */
    private static Tensor groupVariance(Tensor x, GroupNorm layer) {
        Tensor var = Torch.var(grouped(x, layer), 2, false, false).to(ScalarType.Float);
        if (var.isfinite().all().item_bool()) {
            return var;
        }
        return Torch.var(grouped(x, layer).to(ScalarType.Float), 2, false, false);
    }

    /**
     * Gathers the statistics of every tile paused at one GroupNorm and averages them, each tile weighted by its
     * pixel count (padding included): {@code GroupNormParam.add_tile} / {@code summary}. Both mean and variance
     * are plain weighted means of the per-tile values; like the reference, the spread of the tile means is not
     * added to the variance, and pixels in overlapping paddings count once per tile that holds them. The sums are
     * kept in float32 (pixel-count weights would overflow half precision; the reference normalises them first).
     */
    static final class Accumulator implements AutoCloseable {
        private GroupNorm layer;
        private Tensor weightedMean;
        private Tensor weightedVar;
        private long pixels;

        /** Adds one tile x (B, C, h, w) paused at {@code norm}. */
        void add(Tensor x, GroupNorm norm) {
            if (layer != null && layer != norm) {
                throw new IllegalStateException("tiles paused at different GroupNorms");
            }
            layer = norm;
            long n = x.size(2) * x.size(3);
            try (GroupNormStats tile = of(x, norm)) {
                weightedMean = accumulate(weightedMean, tile.mean, n);
                weightedVar = accumulate(weightedVar, tile.var, n);
            }
            pixels += n;
        }

        /** The shared statistics, or null when no tile paused. Ownership passes to the caller. */
        GroupNormStats summary() {
            if (layer == null) {
                return null;
            }
            double total = pixels;
            return new GroupNormStats(layer, Owned.compute(() -> Torch.div(weightedMean, total)),
                    Owned.compute(() -> Torch.div(weightedVar, total)));
        }

        @Override
        public void close() {
            Owned.release(weightedMean);
            Owned.release(weightedVar);
        }

        private static Tensor accumulate(Tensor sum, Tensor value, long weight) {
            Tensor next = Owned.compute(() -> sum == null
                    ? Torch.mul(value, weight) : Torch.addScaled(sum, value, weight));
            Owned.release(sum);
            return next;
        }
    }
}
