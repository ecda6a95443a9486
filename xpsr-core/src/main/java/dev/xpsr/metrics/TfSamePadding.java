package dev.xpsr.metrics;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

/**
 * TensorFlow's 'SAME' padding as pyiqa's {@code exact_padding_2d(mode='same')} and MUSIQ's
 * {@code extract_image_patches} compute it: output ⌈size/stride⌉, total padding (out − 1)·stride + kernel − size,
 * the smaller half before and the larger after, filled with zeros.
 */
final class TfSamePadding {
    private TfSamePadding() {
    }

    /** {before, after} padding of one dimension. */
    static long[] amounts(long size, long kernel, long stride) {
        long out = (size + stride - 1) / stride;
        long total = (out - 1) * stride + kernel - size;
        return new long[] {Math.floorDiv(total, 2), total - Math.floorDiv(total, 2)};
    }

    /** (B, C, H, W) zero-padded for a square {@code kernel} at {@code stride}. */
    static Tensor pad(Tensor x, long kernel, long stride) {
        long[] rows = amounts(x.size(2), kernel, stride);
        long[] cols = amounts(x.size(3), kernel, stride);
        if (rows[0] == 0 && rows[1] == 0 && cols[0] == 0 && cols[1] == 0) {
            return x;
        }
        return Torch.pad(x, cols[0], cols[1], rows[0], rows[1]);
    }
}
