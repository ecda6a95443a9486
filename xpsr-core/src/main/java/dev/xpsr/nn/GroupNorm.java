package dev.xpsr.nn;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

/** {@code nn.GroupNorm(groups, channels, eps)} with affine weight and bias of shape (channels). */
public final class GroupNorm extends Module {
    public final Tensor weight;
    public final Tensor bias;
    public final long groups;
    public final double eps;

    public GroupNorm(long groups, long channels, double eps) {
        if (channels % groups != 0) {
            throw new IllegalArgumentException("GroupNorm: " + channels + " channels are not divisible into "
                    + groups + " groups (check norm_num_groups in config.json)");
        }
        this.groups = groups;
        this.eps = eps;
        this.weight = parameter("weight", channels);
        this.bias = parameter("bias", channels);
    }

    public Tensor forward(Tensor x) {
        return Torch.groupNorm(x, groups, weight, bias, eps);
    }
}
