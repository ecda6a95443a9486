package dev.xpsr.nn;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

/**
 * BasicSR's {@code RRDB} (residual-in-residual dense block, ESRGAN): three {@link ResidualDenseBlock}s
 * {@code rdb1..rdb3}, output {@code 0.2·rdb3(rdb2(rdb1(x))) + x}. x (B, F, H, W) → same shape.
 */
public final class RRDB extends Module {
    public final ResidualDenseBlock rdb1;
    public final ResidualDenseBlock rdb2;
    public final ResidualDenseBlock rdb3;

    public RRDB(long features, long growth) {
        this.rdb1 = child("rdb1", new ResidualDenseBlock(features, growth));
        this.rdb2 = child("rdb2", new ResidualDenseBlock(features, growth));
        this.rdb3 = child("rdb3", new ResidualDenseBlock(features, growth));
    }

    public Tensor forward(Tensor x) {
        Tensor out = rdb3.forward(rdb2.forward(rdb1.forward(x)));
        return Torch.mul(out, 0.2).add(x);
    }

    /**
     * BasicSR's {@code ResidualDenseBlock}: five 3×3 convs, each seeing the input and every earlier output
     * (dense connections), LeakyReLU(0.2) after the first four, output {@code 0.2·conv5(...) + x}.
     */
    public static final class ResidualDenseBlock extends Module {
        public final Conv2d conv1;
        public final Conv2d conv2;
        public final Conv2d conv3;
        public final Conv2d conv4;
        public final Conv2d conv5;

        ResidualDenseBlock(long features, long growth) {
            this.conv1 = child("conv1", Conv2d.same(features, growth, 3));
            this.conv2 = child("conv2", Conv2d.same(features + growth, growth, 3));
            this.conv3 = child("conv3", Conv2d.same(features + 2 * growth, growth, 3));
            this.conv4 = child("conv4", Conv2d.same(features + 3 * growth, growth, 3));
            this.conv5 = child("conv5", Conv2d.same(features + 4 * growth, features, 3));
        }

        public Tensor forward(Tensor x) {
            Tensor x1 = Torch.leakyRelu(conv1.forward(x), 0.2);
            Tensor x2 = Torch.leakyRelu(conv2.forward(Torch.cat(1, x, x1)), 0.2);
            Tensor x3 = Torch.leakyRelu(conv3.forward(Torch.cat(1, x, x1, x2)), 0.2);
            Tensor x4 = Torch.leakyRelu(conv4.forward(Torch.cat(1, x, x1, x2, x3)), 0.2);
            Tensor x5 = conv5.forward(Torch.cat(1, x, x1, x2, x3, x4));
            return Torch.mul(x5, 0.2).add(x);
        }
    }
}
