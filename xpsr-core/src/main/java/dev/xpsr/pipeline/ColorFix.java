package dev.xpsr.pipeline;

import dev.xpsr.io.RgbImage;
import dev.xpsr.torch.ImageTensors;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;

/**
 * XPSR's colour correction, {@code myutils/wavelet_color_fix.py} (the StableSR / sd-webui-stablesr code).
 *
 * <p>Tensor functions work on float tensors (B, C, H, W) with values in [0, 1] (XPSR always passes C = 3; the
 * channel count is taken from the tensor here). The image wrappers reproduce {@code adain_color_fix} and
 * {@code wavelet_color_fix} as XPSR's {@code test.py} calls them on PIL images: torchvision {@code ToTensor}
 * (u8 / 255), the tensor core, {@code clamp_(0, 1)}, torchvision {@code ToPILImage} (x·255 truncated).
 */
public final class ColorFix {
    /** {@code calc_mean_std}'s default epsilon, added to the variance. */
    public static final double EPS = 1e-5;
    /** {@code wavelet_decomposition}'s default number of levels (radii 1, 2, 4, 8, 16). */
    public static final int LEVELS = 5;

    private ColorFix() {
    }

    /** Per-sample, per-channel statistics, each (B, C, 1, 1). */
    public record MeanStd(Tensor mean, Tensor std) {
    }

    /** A wavelet split: {@code high} = sum of the per-level details, {@code low} = the last blur. */
    public record Wavelet(Tensor high, Tensor low) {
    }

    /** {@code calc_mean_std(feat)}: mean and {@code sqrt(unbiased variance + 1e-5)} over H·W. */
    public static MeanStd calcMeanStd(Tensor feat) {
        return calcMeanStd(feat, EPS);
    }

    /** {@code calc_mean_std(feat, eps)}: variance with Bessel's correction (N − 1), as {@code Tensor.var}. */
    public static MeanStd calcMeanStd(Tensor feat, double eps) {
        long[] s = requireBchw(feat);
        Tensor flat = feat.reshape(s[0], s[1], -1);
        Tensor std = Torch.sqrt(Torch.add(Torch.var(flat, 2, true, false), eps)).reshape(s[0], s[1], 1, 1);
        Tensor mean = Torch.mean(flat, 2, false).reshape(s[0], s[1], 1, 1);
        return new MeanStd(mean, std);
    }

    /** {@code adaptive_instance_normalization(content, style)}: {@code (c − μc) / σc · σs + μs} per channel. */
    public static Tensor adaptiveInstanceNormalization(Tensor content, Tensor style) {
        requireBchw(content);
        MeanStd s = calcMeanStd(style);
        MeanStd c = calcMeanStd(content);
        return content.sub(c.mean()).div(c.std()).mul(s.std()).add(s.mean());
    }

    /**
     * {@code wavelet_blur(image, radius)}: replicate-pad by {@code radius}, then a depthwise 3×3 convolution with
     * kernel [1,2,1]ᵀ[1,2,1] / 16 and dilation {@code radius}; output has the input's shape.
     */
    public static Tensor waveletBlur(Tensor image, int radius) {
        long[] s = requireBchw(image);
        if (radius < 1) {
            throw new IllegalArgumentException("radius must be at least 1, got " + radius);
        }
        Tensor padded = Torch.padReplicate(image, radius, radius, radius, radius);
        return Torch.conv2d(padded, blurKernel(s[1], image), null, 1, 0, radius, s[1]);
    }

    /** {@code wavelet_decomposition(image)} with 5 levels. */
    public static Wavelet waveletDecomposition(Tensor image) {
        return waveletDecomposition(image, LEVELS);
    }

    /** {@code wavelet_decomposition(image, levels)}: level i blurs with radius 2^i. */
    public static Wavelet waveletDecomposition(Tensor image, int levels) {
        requireBchw(image);
        if (levels < 1) {
            throw new IllegalArgumentException("levels must be at least 1, got " + levels);
        }
        Tensor high = null;
        Tensor current = image;
        Tensor low = null;
        for (int i = 0; i < levels; i++) {
            low = waveletBlur(current, 1 << i);
            Tensor detail = current.sub(low);
            // the reference starts from zeros_like(image); 0 + d == d exactly, so the first level is taken as is
            high = high == null ? detail : high.add(detail);
            current = low;
        }
        return new Wavelet(high, low);
    }

    /** {@code wavelet_reconstruction(content, style)}: the content's high frequencies plus the style's low ones. */
    public static Tensor waveletReconstruction(Tensor content, Tensor style) {
        return waveletDecomposition(content).high().add(waveletDecomposition(style).low());
    }

    /** XPSR {@code adain_color_fix(target, source)} on 8-bit images of any sizes. */
    public static RgbImage adainColorFix(RgbImage target, RgbImage source) {
        return ImageTensors.fromTensorTruncating(clamp01(
                adaptiveInstanceNormalization(ImageTensors.toTensor(target), ImageTensors.toTensor(source))));
    }

    /**
     * XPSR {@code wavelet_color_fix(target, source)}; unlike StableSR's copy, XPSR's version does not resize the
     * source, so both images must have the same size.
     */
    public static RgbImage waveletColorFix(RgbImage target, RgbImage source) {
        if (target.width() != source.width() || target.height() != source.height()) {
            throw new IllegalArgumentException("wavelet colour fix needs equal sizes, got target " + target.width()
                    + "x" + target.height() + " and source " + source.width() + "x" + source.height());
        }
        return ImageTensors.fromTensorTruncating(clamp01(
                waveletReconstruction(ImageTensors.toTensor(target), ImageTensors.toTensor(source))));
    }

    private static Tensor clamp01(Tensor x) {
        return Torch.clamp(x, 0.0, 1.0);
    }

    /** The (C, 1, 3, 3) depthwise kernel in the image's dtype and device; its entries are exact binary fractions. */
    private static Tensor blurKernel(long channels, Tensor like) {
        float[] k = {1, 2, 1, 2, 4, 2, 1, 2, 1};
        float[] all = new float[Math.toIntExact(9 * channels)];
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < 9; i++) {
                all[c * 9 + i] = k[i] / 16f;
            }
        }
        return Torch.fromFloats(all, channels, 1, 3, 3).to(like);
    }

    private static long[] requireBchw(Tensor t) {
        long[] s = Torch.shape(t);
        if (s.length != 4) {
            throw new IllegalArgumentException("expected a (B, C, H, W) tensor, got " + Arrays.toString(s));
        }
        return s;
    }
}
