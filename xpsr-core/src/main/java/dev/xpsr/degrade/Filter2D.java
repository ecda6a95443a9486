package dev.xpsr.degrade;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

/**
 * BasicSR 1.4.2 {@code basicsr/utils/img_process_util.py filter2D}: a same-size 2-D correlation with reflect
 * padding (the PyTorch stand-in for {@code cv2.filter2D}).
 *
 * <p>img (B, C, H, W), kernel (B, k, k) one per image or (1, k, k) shared, k odd → (B, C, H, W):
 * out[b, c] = reflectPad(img[b, c], k/2) ⋆ kernel[b] (valid correlation, no flip). Per-image kernels run as
 * one grouped convolution over the B·C planes.
 */
public final class Filter2D {
    private Filter2D() {
    }

    public static Tensor apply(Tensor img, Tensor kernel) {
        long k = kernel.size(-1);
        if (k % 2 != 1) {
            throw new IllegalArgumentException("filter2D needs an odd kernel size, got " + k);
        }
        long b = img.size(0);
        long c = img.size(1);
        long h = img.size(2);
        long w = img.size(3);
        Tensor padded = Torch.padReflect(img, k / 2, k / 2, k / 2, k / 2);
        long ph = padded.size(2);
        long pw = padded.size(3);
        if (kernel.size(0) == 1) {
            Tensor planes = padded.reshape(b * c, 1, ph, pw);
            return Torch.conv2dGrouped(planes, kernel.reshape(1, 1, k, k), 1).reshape(b, c, h, w);
        }
        if (kernel.size(0) != b) {
            throw new IllegalArgumentException("filter2D: " + kernel.size(0) + " kernels for a batch of " + b);
        }
        Tensor planes = padded.reshape(1, b * c, ph, pw);
        Tensor weights = kernel.reshape(b, 1, k, k).repeat(1, c, 1, 1).reshape(b * c, 1, k, k);
        return Torch.conv2dGrouped(planes, weights, b * c).reshape(b, c, h, w);
    }
}
