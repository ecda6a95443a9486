package dev.xpsr.torch;

import dev.xpsr.io.DType;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * A linear layer computed by oneDNN as a 1×1 convolution. libtorch sends a float32 {@code linear} to the BLAS, and
 * the BLAS is pinned to one thread ({@link NativeStartup}: its own pool fights ATen's), so every linear layer of a
 * network ran on one core; oneDNN's convolution runs on ATen's intra-op threads. No data moves: the tokens
 * (…, in), row-major, are exactly a channels-last (1, in, T, 1) map, and the channels-last output (1, out, T, 1)
 * is exactly (…, out) row-major. The sums are the same products in another order (float32 rounding only).
 */
final class OneDnnLinear {
    /** Below this many tokens a product is too small for threads to pay (time embeddings, pooled vectors). */
    static final long MIN_TOKENS = 64;

    private OneDnnLinear() {
    }

    /** Whether {@code x Wᵀ} takes this route: float32 on the CPU, enough rows, several threads, no autograd. */
    static boolean applies(Tensor x, Tensor weight) {
        return ExactTuning.ONEDNN_LINEAR.enabled() && x.is_cpu() && weight.is_cpu()
                && Torch.dtype(x) == DType.F32 && Torch.dtype(weight) == DType.F32
                && x.dim() >= 2 && x.numel() / x.size(-1) >= MIN_TOKENS && torch.get_num_threads() > 1
                && !(GradMode.is_enabled() && (x.requires_grad() || weight.requires_grad()));
    }

    static Tensor apply(Tensor x, Tensor weight, Tensor bias) {
        long in = weight.size(1);
        long out = weight.size(0);
        long tokens = x.numel() / in;
        Tensor map = x.reshape(1, tokens, 1, in).permute(0, 3, 1, 2);
        TensorOptional b = bias == null ? new TensorOptional() : new TensorOptional(bias);
        Tensor y = torch.conv2d(map, weight.reshape(out, in, 1, 1), b, new long[] {1, 1}, new long[] {0, 0},
                new long[] {1, 1}, 1);
        long[] shape = Torch.shape(x);
        shape[shape.length - 1] = out;
        return y.permute(0, 2, 3, 1).reshape(shape);
    }
}
