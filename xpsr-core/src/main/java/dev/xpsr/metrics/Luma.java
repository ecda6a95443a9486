package dev.xpsr.metrics;

import dev.xpsr.degrade.Ycbcr;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The luma (Y) channels of the metric references, each with the reference's precision and rounding. Inputs are
 * float32 (N, 3, H, W) RGB tensors holding u8 / 255 (torchvision {@code ToTensor}); outputs are (N, 1, H, W).
 */
final class Luma {
    private static final float[] YIQ_RGB_WEIGHTS = {0.299f, 0.587f, 0.114f, 0.5959f, -0.2746f, -0.3213f,
            0.2115f, -0.5227f, 0.3112f};
    private static final float[] YCBCR_RGB_WEIGHTS = {65.481f, -37.797f, 112.0f, 128.553f, -74.203f, -93.786f,
            24.966f, 112.0f, -18.214f};
    private static final float[] YCBCR_BIAS = {16f, 128f, 128f};

    private Luma() {
    }

    /**
     * BasicSR 1.4.2 {@code metric_util.to_y_channel} on the BGR image {@code cv2.imread} gives: float32 u8/255,
     * {@code bgr2ycbcr(y_only=True)} in float64 rounded to float32, then ×255 in float32; returned as float64
     * 0–255 values (the metric casts with {@code astype(np.float64)}).
     */
    static Tensor basicsrY(Tensor unitRgb) {
        Tensor bgrHwc = unitRgb.flip(1).permute(0, 2, 3, 1);
        Tensor y = Ycbcr.bgrToYcbcr(bgrHwc, true);
        return Torch.mul(y, 255).to(ScalarType.Double).unsqueeze(1);
    }

    /** BasicSR {@code rgb2ycbcr_pt(img, y_only=True)} (also XPSR's copy in {@code test.py}): float32 [0, 1]. */
    static Tensor ycbcrPtY(Tensor unitRgb) {
        return Ycbcr.rgbToYcbcrPt(unitRgb, true);
    }

    /**
     * pyiqa 0.1.10 {@code color_util.to_y_channel(img, out_data_range, color_space)} in float32: the full 3×3
     * colour transform by {@code matmul} (YCbCr plus its bias and ÷255), channel 0, ×{@code outDataRange}, and
     * rounded when {@code outDataRange ≥ 255}.
     */
    static Tensor pyiqaY(Tensor unitRgb, ColorSpace colorSpace, double outDataRange) {
        Tensor hwc = unitRgb.permute(0, 2, 3, 1);
        Tensor all;
        if (colorSpace == ColorSpace.YIQ) {
            // rgb2yiq: the literal matrix holds one output per row, so it is transposed before the product
            all = hwc.matmul(Torch.fromFloats(YIQ_RGB_WEIGHTS.clone(), 3, 3).t()).permute(0, 3, 1, 2);
        } else {
            Tensor bias = Torch.fromFloats(YCBCR_BIAS.clone(), 1, 3, 1, 1);
            all = Torch.div(hwc.matmul(Torch.fromFloats(YCBCR_RGB_WEIGHTS.clone(), 3, 3)).permute(0, 3, 1, 2)
                    .add(bias), 255.);
        }
        Tensor y = Torch.mul(all.narrow(1, 0, 1), outDataRange);
        return outDataRange >= 255 ? y.round() : y;
    }

    /** Removes {@code border} pixels on every side, as {@code img[..., b:-b, b:-b]}; 0 keeps the image. */
    static Tensor crop(Tensor nchw, int border) {
        if (border == 0) {
            return nchw;
        }
        long h = nchw.size(2) - 2L * border;
        long w = nchw.size(3) - 2L * border;
        if (h <= 0 || w <= 0) {
            throw new IllegalArgumentException("crop border " + border + " leaves nothing of a " + nchw.size(3) + "x"
                    + nchw.size(2) + " image");
        }
        return nchw.narrow(2, border, h).narrow(3, border, w);
    }

    /** Per-image mean over all but the batch dimension, {@code x.mean([1, 2, 3])}. */
    static Tensor meanPerImage(Tensor x) {
        return Torch.mean(x.reshape(x.size(0), -1), 1, false);
    }
}
