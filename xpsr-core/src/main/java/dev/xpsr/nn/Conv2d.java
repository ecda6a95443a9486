package dev.xpsr.nn;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

/**
 * {@code nn.Conv2d} with a square kernel: x (B, in, H, W) → (B, out, H', W'), H' = ⌊(H + 2p − k)/s⌋ + 1;
 * W (out, in, k, k), b (out).
 */
public final class Conv2d extends Module {
    public final Tensor weight;
    public final Tensor bias;
    public final long inChannels;
    public final long outChannels;
    public final long kernelSize;
    public final long stride;
    public final long padding;

    public Conv2d(long inChannels, long outChannels, long kernelSize, long stride, long padding) {
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernelSize = kernelSize;
        this.stride = stride;
        this.padding = padding;
        this.weight = parameter("weight", outChannels, inChannels, kernelSize, kernelSize);
        this.bias = parameter("bias", outChannels);
    }

    /** A stride-1 convolution that keeps the spatial size (padding k/2). */
    public static Conv2d same(long inChannels, long outChannels, long kernelSize) {
        return new Conv2d(inChannels, outChannels, kernelSize, 1, kernelSize / 2);
    }

    public Tensor forward(Tensor x) {
        return Torch.conv2d(x, weight, bias, stride, padding);
    }
}
