package dev.xpsr.metrics;

import dev.xpsr.nn.Module;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

/**
 * {@code nn.Conv2d(in, out, (kh, kw), stride, (ph, pw), bias=False)}: the convolution that precedes a batch norm
 * in Inception and in CLIP's ResNet, where a bias would be cancelled by the norm. State-dict key {@code weight}
 * (out, in, kh, kw).
 */
final class PlainConv2d extends Module {
    private final Tensor weight;
    private final long[] stride;
    private final long[] padding;

    PlainConv2d(long in, long out, long kh, long kw, long stride, long ph, long pw) {
        this.weight = parameter("weight", out, in, kh, kw);
        this.stride = new long[] {stride, stride};
        this.padding = new long[] {ph, pw};
    }

    /** A square {@code k}×{@code k} kernel with padding {@code padding} on every side. */
    static PlainConv2d square(long in, long out, long k, long stride, long padding) {
        return new PlainConv2d(in, out, k, k, stride, padding, padding);
    }

    Tensor forward(Tensor x) {
        return Torch.conv2d(x, weight, null, stride, padding);
    }
}
