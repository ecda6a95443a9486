package dev.xpsr.metrics;

import dev.xpsr.nn.Module;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

/**
 * The Inception-v3 feature extractor of FID: torchvision's {@code Inception3} with the TensorFlow-graph patches of
 * pytorch-fid's {@code fid_inception_v3} (also vendored as pyiqa 0.1.10's {@code archs/inception.py}), run up to
 * its final average pool. The output is the 2048-d pool feature per image ({@code InceptionV3(output_blocks=[3])}).
 *
 * <p>Every convolution is torchvision's {@code BasicConv2d}: convolution without bias, batch norm (eps 0.001,
 * running statistics), ReLU. The FID patches: average pools inside {@code Mixed_5b..5d}, {@code Mixed_6b..6e} and
 * {@code Mixed_7b} do not count padded zeros ({@code count_include_pad=False}), and {@code Mixed_7c} pools with a
 * 3×3 max pool instead. State-dict keys are those of {@code pt_inception-2015-12-05-6726825d.pth}
 * ({@code Mixed_6b.branch7x7_2.conv.weight}, {@code Mixed_6b.branch7x7_2.bn.running_var}, ...); its classifier
 * {@code fc.*} is not part of the extractor.
 *
 * <p>{@code divisor} divides every channel count (all are multiples of 16), so tests can run a narrow network of
 * the same structure; 1 is the real one.
 */
public final class InceptionV3 extends Module {
    /** Channel count of the pool features of the full network. */
    static final int FEATURES = 2048;
    private static final double BN_EPS = 0.001;

    private final int divisor;
    private final BasicConv2d[] stem;
    private final Module[] mixed;

    /** @param divisor 1 for the real network; 2, 4, 8 or 16 for a narrower copy */
    public InceptionV3(int divisor) {
        if (divisor < 1 || 16 % divisor != 0) {
            throw new IllegalArgumentException("width divisor must divide 16, got " + divisor);
        }
        this.divisor = divisor;
        stem = new BasicConv2d[] {
            child("Conv2d_1a_3x3", conv(3, c(32), 3, 3, 2, 0, 0)),
            child("Conv2d_2a_3x3", conv(c(32), c(32), 3, 3, 1, 0, 0)),
            child("Conv2d_2b_3x3", conv(c(32), c(64), 3, 3, 1, 1, 1)),
            child("Conv2d_3b_1x1", conv(c(64), c(80), 1, 1, 1, 0, 0)),
            child("Conv2d_4a_3x3", conv(c(80), c(192), 3, 3, 1, 0, 0)),
        };
        mixed = new Module[] {
            child("Mixed_5b", new BlockA(c(192), c(32))),
            child("Mixed_5c", new BlockA(c(256), c(64))),
            child("Mixed_5d", new BlockA(c(288), c(64))),
            child("Mixed_6a", new BlockB(c(288))),
            child("Mixed_6b", new BlockC(c(768), c(128))),
            child("Mixed_6c", new BlockC(c(768), c(160))),
            child("Mixed_6d", new BlockC(c(768), c(160))),
            child("Mixed_6e", new BlockC(c(768), c(192))),
            child("Mixed_7a", new BlockD(c(768))),
            child("Mixed_7b", new BlockE(c(1280), false)),
            child("Mixed_7c", new BlockE(c(2048), true)),
        };
    }

    /** Length of the feature vector: 2048 / divisor. */
    int featureCount() {
        return FEATURES / divisor;
    }

    private long c(long channels) {
        return channels / divisor;
    }

    /**
     * Pool features of (N, 3, H, W) inputs already scaled to [−1, 1] (blocks 0–3 of pytorch-fid's
     * {@code InceptionV3}): (N, featureCount).
     */
    Tensor forward(Tensor x) {
        Tensor h = Torch.scoped(() -> {
            Tensor y = stem[2].forward(stem[1].forward(stem[0].forward(x)));
            y = Torch.maxPool2d(y, 3, 2);
            y = stem[4].forward(stem[3].forward(y));
            return Torch.maxPool2d(y, 3, 2);
        });
        for (Module m : mixed) {
            Tensor in = h;
            h = Torch.scoped(() -> ((Block) m).forward(in));
        }
        return Torch.adaptiveAvgPool2d(h, 1, 1).flatten(1, 3);
    }

    private static BasicConv2d conv(long in, long out, long kh, long kw, long stride, long ph, long pw) {
        return new BasicConv2d(in, out, kh, kw, stride, ph, pw);
    }

    /** torchvision's {@code BasicConv2d}: conv (no bias) → BatchNorm2d(eps 0.001) → ReLU; keys {@code conv.*, bn.*}. */
    static final class BasicConv2d extends Module {
        private final PlainConv2d conv;
        private final BatchNorm2d bn;

        BasicConv2d(long in, long out, long kh, long kw, long stride, long ph, long pw) {
            conv = child("conv", new PlainConv2d(in, out, kh, kw, stride, ph, pw));
            bn = child("bn", new BatchNorm2d(out, BN_EPS));
        }

        Tensor forward(Tensor x) {
            return bn.forward(conv.forward(x)).relu_();
        }
    }

    private interface Block {
        Tensor forward(Tensor x);
    }

    /** TensorFlow's average pool: 3×3, stride 1, padding 1, padded zeros not counted. */
    private static Tensor tfAvgPool(Tensor x) {
        return Torch.avgPool2d(x, 3, 1, 1, false);
    }

    /** {@code FIDInceptionA}: 1×1 | 1×1→5×5 | 1×1→3×3→3×3 | avg pool→1×1. */
    private final class BlockA extends Module implements Block {
        private final BasicConv2d b1;
        private final BasicConv2d b5a;
        private final BasicConv2d b5b;
        private final BasicConv2d d1;
        private final BasicConv2d d2;
        private final BasicConv2d d3;
        private final BasicConv2d pool;

        BlockA(long in, long poolFeatures) {
            b1 = child("branch1x1", conv(in, c(64), 1, 1, 1, 0, 0));
            b5a = child("branch5x5_1", conv(in, c(48), 1, 1, 1, 0, 0));
            b5b = child("branch5x5_2", conv(c(48), c(64), 5, 5, 1, 2, 2));
            d1 = child("branch3x3dbl_1", conv(in, c(64), 1, 1, 1, 0, 0));
            d2 = child("branch3x3dbl_2", conv(c(64), c(96), 3, 3, 1, 1, 1));
            d3 = child("branch3x3dbl_3", conv(c(96), c(96), 3, 3, 1, 1, 1));
            pool = child("branch_pool", conv(in, poolFeatures, 1, 1, 1, 0, 0));
        }

        public Tensor forward(Tensor x) {
            return Torch.cat(1, b1.forward(x), b5b.forward(b5a.forward(x)),
                    d3.forward(d2.forward(d1.forward(x))), pool.forward(tfAvgPool(x)));
        }
    }

    /** torchvision's {@code InceptionB} (Mixed_6a, unpatched): 3×3/2 | 1×1→3×3→3×3/2 | max pool 3/2. */
    private final class BlockB extends Module implements Block {
        private final BasicConv2d b3;
        private final BasicConv2d d1;
        private final BasicConv2d d2;
        private final BasicConv2d d3;

        BlockB(long in) {
            b3 = child("branch3x3", conv(in, c(384), 3, 3, 2, 0, 0));
            d1 = child("branch3x3dbl_1", conv(in, c(64), 1, 1, 1, 0, 0));
            d2 = child("branch3x3dbl_2", conv(c(64), c(96), 3, 3, 1, 1, 1));
            d3 = child("branch3x3dbl_3", conv(c(96), c(96), 3, 3, 2, 0, 0));
        }

        public Tensor forward(Tensor x) {
            return Torch.cat(1, b3.forward(x), d3.forward(d2.forward(d1.forward(x))), Torch.maxPool2d(x, 3, 2));
        }
    }

    /** {@code FIDInceptionC}: 1×1 | 1×1→1×7→7×1 | 1×1→7×1→1×7→7×1→1×7 | avg pool→1×1. */
    private final class BlockC extends Module implements Block {
        private final BasicConv2d b1;
        private final BasicConv2d[] b7 = new BasicConv2d[3];
        private final BasicConv2d[] d7 = new BasicConv2d[5];
        private final BasicConv2d pool;

        BlockC(long in, long c7) {
            b1 = child("branch1x1", conv(in, c(192), 1, 1, 1, 0, 0));
            b7[0] = child("branch7x7_1", conv(in, c7, 1, 1, 1, 0, 0));
            b7[1] = child("branch7x7_2", conv(c7, c7, 1, 7, 1, 0, 3));
            b7[2] = child("branch7x7_3", conv(c7, c(192), 7, 1, 1, 3, 0));
            d7[0] = child("branch7x7dbl_1", conv(in, c7, 1, 1, 1, 0, 0));
            d7[1] = child("branch7x7dbl_2", conv(c7, c7, 7, 1, 1, 3, 0));
            d7[2] = child("branch7x7dbl_3", conv(c7, c7, 1, 7, 1, 0, 3));
            d7[3] = child("branch7x7dbl_4", conv(c7, c7, 7, 1, 1, 3, 0));
            d7[4] = child("branch7x7dbl_5", conv(c7, c(192), 1, 7, 1, 0, 3));
            pool = child("branch_pool", conv(in, c(192), 1, 1, 1, 0, 0));
        }

        public Tensor forward(Tensor x) {
            return Torch.cat(1, b1.forward(x), chain(b7, x), chain(d7, x), pool.forward(tfAvgPool(x)));
        }
    }

    /** torchvision's {@code InceptionD} (Mixed_7a, unpatched): 1×1→3×3/2 | 1×1→1×7→7×1→3×3/2 | max pool 3/2. */
    private final class BlockD extends Module implements Block {
        private final BasicConv2d[] b3 = new BasicConv2d[2];
        private final BasicConv2d[] b7 = new BasicConv2d[4];

        BlockD(long in) {
            b3[0] = child("branch3x3_1", conv(in, c(192), 1, 1, 1, 0, 0));
            b3[1] = child("branch3x3_2", conv(c(192), c(320), 3, 3, 2, 0, 0));
            b7[0] = child("branch7x7x3_1", conv(in, c(192), 1, 1, 1, 0, 0));
            b7[1] = child("branch7x7x3_2", conv(c(192), c(192), 1, 7, 1, 0, 3));
            b7[2] = child("branch7x7x3_3", conv(c(192), c(192), 7, 1, 1, 3, 0));
            b7[3] = child("branch7x7x3_4", conv(c(192), c(192), 3, 3, 2, 0, 0));
        }

        public Tensor forward(Tensor x) {
            return Torch.cat(1, chain(b3, x), chain(b7, x), Torch.maxPool2d(x, 3, 2));
        }
    }

    /**
     * {@code FIDInceptionE_1} / {@code _2}: 1×1 | 1×1→(1×3 ‖ 3×1) | 1×1→3×3→(1×3 ‖ 3×1) | pool→1×1, the pool
     * being TensorFlow's average pool (Mixed_7b) or a 3×3 stride-1 max pool (Mixed_7c).
     */
    private final class BlockE extends Module implements Block {
        private final BasicConv2d b1;
        private final BasicConv2d b3;
        private final BasicConv2d b3a;
        private final BasicConv2d b3b;
        private final BasicConv2d d1;
        private final BasicConv2d d2;
        private final BasicConv2d d3a;
        private final BasicConv2d d3b;
        private final BasicConv2d pool;
        private final boolean maxPool;

        BlockE(long in, boolean maxPool) {
            this.maxPool = maxPool;
            b1 = child("branch1x1", conv(in, c(320), 1, 1, 1, 0, 0));
            b3 = child("branch3x3_1", conv(in, c(384), 1, 1, 1, 0, 0));
            b3a = child("branch3x3_2a", conv(c(384), c(384), 1, 3, 1, 0, 1));
            b3b = child("branch3x3_2b", conv(c(384), c(384), 3, 1, 1, 1, 0));
            d1 = child("branch3x3dbl_1", conv(in, c(448), 1, 1, 1, 0, 0));
            d2 = child("branch3x3dbl_2", conv(c(448), c(384), 3, 3, 1, 1, 1));
            d3a = child("branch3x3dbl_3a", conv(c(384), c(384), 1, 3, 1, 0, 1));
            d3b = child("branch3x3dbl_3b", conv(c(384), c(384), 3, 1, 1, 1, 0));
            pool = child("branch_pool", conv(in, c(192), 1, 1, 1, 0, 0));
        }

        public Tensor forward(Tensor x) {
            Tensor t = b3.forward(x);
            Tensor u = d2.forward(d1.forward(x));
            Tensor pooled = maxPool ? Torch.maxPool2d(x, 3, 1, 1) : tfAvgPool(x);
            return Torch.cat(1, b1.forward(x), b3a.forward(t), b3b.forward(t), d3a.forward(u), d3b.forward(u),
                    pool.forward(pooled));
        }
    }

    private static Tensor chain(BasicConv2d[] convs, Tensor x) {
        Tensor h = x;
        for (BasicConv2d c : convs) {
            h = c.forward(h);
        }
        return h;
    }
}
