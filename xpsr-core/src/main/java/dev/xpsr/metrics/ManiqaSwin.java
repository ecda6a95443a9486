package dev.xpsr.metrics;

import dev.xpsr.nn.Conv2d;
import dev.xpsr.nn.LayerNorm;
import dev.xpsr.nn.Linear;
import dev.xpsr.nn.Module;
import dev.xpsr.nn.ModuleList;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

/**
 * The Swin stage of MANIQA, as pyiqa 0.1.10's {@code maniqa_swin.SwinTransformer} (keys {@code downsample},
 * {@code layers.i.conv}, {@code layers.i.blocks.j.*}): on (B, C, R, R) feature maps,
 * <pre>
 *   for each layer:  x ← scale · layer(x) + x
 *   layer(x)       = ReLU(conv3×3(blocks(x)))       (blocks alternate shift 0 and window/2)
 *   block(x)       = x + W-MSA(LN(x)), then + MLP(LN(x))   (LayerNorm eps 1e-5, GELU)
 * </pre>
 * W-MSA: windows of w×w tokens, softmax(q kᵀ/√d + B_rel [+ shift mask]) v with the relative position bias table
 * indexed by {@code relative_position_index}; shifted blocks roll the map by −w/2 first, mask pairs of tokens that
 * come from different regions with −100, and roll back. When R ≤ w the window becomes R and nothing shifts. The
 * {@code downsample} convolution is in the checkpoints but unused by the reference's forward, so here too.
 * The index and mask buffers are built as the reference builds them and then overwritten by the checkpoint's.
 */
final class ManiqaSwin extends Module {
    final Conv2d downsample;
    final ModuleList<Layer> layers;
    private final double scale;
    private final int resolution;

    ManiqaSwin(int resolution, long dim, int[] depths, int[] heads, int window, long mlpDim, double scale) {
        this.scale = scale;
        this.resolution = resolution;
        downsample = child("downsample", new Conv2d(dim, dim, 3, 2, 1));
        layers = child("layers", new ModuleList<>());
        for (int i = 0; i < depths.length; i++) {
            layers.add(new Layer(resolution, dim, depths[i], heads[i], window, mlpDim));
        }
    }

    /** (B, C, R, R) → (B, C, R, R). */
    Tensor forward(Tensor x) {
        long b = x.size(0);
        long c = x.size(1);
        Tensor h = x.flatten(2, 3).transpose(1, 2);
        for (Layer layer : layers) {
            Tensor in = h;
            h = Torch.scoped(() -> Torch.mul(layer.forward(in), scale).add(in));
        }
        return h.transpose(1, 2).reshape(b, c, resolution, resolution);
    }

    /** {@code BasicLayer}: Swin blocks, then ReLU(conv 3×3) on the map; tokens (B, R², C) in and out. */
    static final class Layer extends Module {
        final ModuleList<Block> blocks;
        final Conv2d conv;
        private final int resolution;

        Layer(int resolution, long dim, int depth, int heads, int window, long mlpDim) {
            this.resolution = resolution;
            conv = child("conv", Conv2d.same(dim, dim, 3));
            blocks = child("blocks", new ModuleList<>());
            for (int i = 0; i < depth; i++) {
                blocks.add(new Block(resolution, dim, heads, window, i % 2 == 0 ? 0 : window / 2, mlpDim));
            }
        }

        Tensor forward(Tensor x) {
            Tensor h = x;
            for (Block b : blocks) {
                h = b.forward(h);
            }
            long n = h.size(0);
            long c = h.size(2);
            Tensor map = h.transpose(1, 2).reshape(n, c, resolution, resolution);
            return conv.forward(map).relu_().flatten(2, 3).transpose(1, 2);
        }
    }

    /** {@code SwinBlock} with its {@code WindowAttention} ({@code attn.*}). */
    static final class Block extends Module {
        final LayerNorm norm1;
        final Tensor relative_position_bias_table;
        final Tensor relative_position_index;
        final Linear qkv;
        final Linear proj;
        final LayerNorm norm2;
        final Linear fc1;
        final Linear fc2;
        final Tensor attn_mask;
        private final int resolution;
        private final int window;
        private final int shift;
        private final int heads;

        Block(int resolution, long dim, int heads, int window, int shift, long mlpDim) {
            if (dim % heads != 0) {
                throw new IllegalArgumentException("Swin: width " + dim + " is not divisible by " + heads + " heads");
            }
            // the reference's rule for maps no larger than a window
            this.window = resolution <= window ? resolution : window;
            this.shift = resolution <= window ? 0 : shift;
            this.resolution = resolution;
            this.heads = heads;
            norm1 = child("norm1", new LayerNorm(dim, 1e-5));
            Container attn = child("attn", new Container());
            int side = 2 * this.window - 1;
            relative_position_bias_table = attn.addParameter("relative_position_bias_table", (long) side * side, heads);
            relative_position_index = attn.addBuffer("relative_position_index", relativePositionIndex(this.window));
            qkv = attn.add("qkv", new Linear(dim, 3 * dim));
            proj = attn.add("proj", new Linear(dim, dim));
            norm2 = child("norm2", new LayerNorm(dim, 1e-5));
            Container mlp = child("mlp", new Container());
            fc1 = mlp.add("fc1", new Linear(dim, mlpDim));
            fc2 = mlp.add("fc2", new Linear(mlpDim, dim));
            attn_mask = this.shift > 0 ? buffer("attn_mask", shiftMask(resolution, this.window, this.shift)) : null;
        }

        Tensor forward(Tensor x) {
            return Torch.scoped(() -> {
                long b = x.size(0);
                long c = x.size(2);
                Tensor map = norm1.forward(x).view(b, resolution, resolution, c);
                if (shift > 0) {
                    map = map.roll(new long[] {-shift, -shift}, 1, 2);
                }
                Tensor windows = partition(map, window).view(-1, (long) window * window, c);
                Tensor merged = reverse(attend(windows).view(-1, window, window, c), window, resolution);
                if (shift > 0) {
                    merged = merged.roll(new long[] {shift, shift}, 1, 2);
                }
                Tensor h = x.add(merged.reshape(b, (long) resolution * resolution, c));
                return h.add(fc2.forward(Torch.gelu(fc1.forward(norm2.forward(h)))));
            });
        }

        /** W-MSA on (B·nW, w², C): softmax(q·scale kᵀ + bias [+ mask]) v, then {@code proj}. */
        Tensor attend(Tensor x) {
            long bw = x.size(0);
            long n = x.size(1);
            long c = x.size(2);
            Tensor qkvs = qkv.forward(x).reshape(bw, n, 3, heads, c / heads).permute(2, 0, 3, 1, 4);
            Tensor q = Torch.mul(qkvs.select(0, 0), Math.pow((double) c / heads, -0.5));
            Tensor logits = q.matmul(qkvs.select(0, 1).transpose(-2, -1));
            Tensor bias = Torch.embedding(relative_position_bias_table, relative_position_index.view(-1))
                    .view(n, n, -1).permute(2, 0, 1);
            logits = logits.add(bias.unsqueeze(0));
            if (attn_mask != null) {
                long nw = attn_mask.size(0);
                logits = logits.view(bw / nw, nw, heads, n, n).add(attn_mask.unsqueeze(1).unsqueeze(0))
                        .view(-1, heads, n, n);
            }
            Tensor y = Torch.softmax(logits, -1).matmul(qkvs.select(0, 2));
            return proj.forward(y.transpose(1, 2).reshape(bw, n, c));
        }

        /** {@code window_partition}: (B, H, W, C) → (B·nW, w, w, C), windows row-major within each image. */
        static Tensor partition(Tensor x, int w) {
            long b = x.size(0);
            long h = x.size(1);
            long wd = x.size(2);
            long c = x.size(3);
            return x.view(b, h / w, w, wd / w, w, c).permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, w, w, c);
        }

        /** {@code window_reverse}: the inverse of {@link #partition} for an R×R map. */
        static Tensor reverse(Tensor windows, int w, int r) {
            long b = windows.size(0) / ((long) (r / w) * (r / w));
            return windows.view(b, r / w, r / w, w, w, -1).permute(0, 1, 3, 2, 4, 5).contiguous().view(b, r, r, -1);
        }

        /** Swin's index into the (2w−1)² bias table of each (query, key) pair of a window: (w², w²) int64. */
        static Tensor relativePositionIndex(int w) {
            int n = w * w;
            long[] index = new long[n * n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    long dy = i / w - j / w + (w - 1);
                    long dx = i % w - j % w + (w - 1);
                    index[i * n + j] = dy * (2L * w - 1) + dx;
                }
            }
            return Torch.fromLongs(index, n, n);
        }

        /**
         * The shifted-window mask (nW, w², w²): 0 for pairs from the same of the nine regions
         * [0, R−w), [R−w, R−s), [R−s, R) × the same in columns, −100 otherwise.
         */
        static Tensor shiftMask(int r, int w, int s) {
            int[] region = new int[r * r];
            for (int y = 0; y < r; y++) {
                for (int x = 0; x < r; x++) {
                    region[y * r + x] = band(y, r, w, s) * 3 + band(x, r, w, s);
                }
            }
            int perSide = r / w;
            int n = w * w;
            float[] mask = new float[perSide * perSide * n * n];
            for (int win = 0; win < perSide * perSide; win++) {
                int top = (win / perSide) * w;
                int left = (win % perSide) * w;
                for (int i = 0; i < n; i++) {
                    int ri = region[(top + i / w) * r + left + i % w];
                    for (int j = 0; j < n; j++) {
                        int rj = region[(top + j / w) * r + left + j % w];
                        mask[(win * n + i) * n + j] = ri == rj ? 0f : -100f;
                    }
                }
            }
            return Torch.fromFloats(mask, (long) perSide * perSide, n, n);
        }

        private static int band(int v, int r, int w, int s) {
            return v < r - w ? 0 : v < r - s ? 1 : 2;
        }
    }
}
