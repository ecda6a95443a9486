package dev.xpsr.degrade;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * BasicSR 1.4.2 {@code basicsr/utils/color_util.py}: ITU-R BT.601 "studio swing" RGB → YCbCr, as MATLAB's
 * {@code rgb2ycbcr} (not OpenCV's full-range JPEG conversion).
 *
 * <p>With x = RGB in [0, 1]:
 * <pre>
 *   Y  = 65.481 R + 128.553 G +  24.966 B +  16
 *   Cb = −37.797 R −  74.203 G + 112.0   B + 128
 *   Cr = 112.0   R −  93.786 G −  18.214 B + 128
 * </pre>
 * The numpy versions take HWC images (H, W, 3) and compute in float64: 8-bit input (0…255 values) is first
 * divided by 255 in float32 and the result is rounded (half to even) back to 8-bit values; [0, 1] float
 * input gives [0, 1] float32 output (÷255). Output (H, W) with {@code yOnly}, else (H, W, 3).
 * {@link #rgbToYcbcrPt} is the batched float32 tensor version on (N, 3, H, W).
 */
public final class Ycbcr {
    private static final double[][] RGB_WEIGHTS = {
            {65.481, -37.797, 112.0}, {128.553, -74.203, -93.786}, {24.966, 112.0, -18.214}};
    private static final double[] OFFSETS = {16, 128, 128};

    private Ycbcr() {
    }

    /** {@code rgb2ycbcr(img_uint8, y_only)}: 0…255 values in, rounded uint8 ({@code ScalarType.Byte}) out. */
    public static Tensor rgbToYcbcrU8(Tensor hwc, boolean yOnly) {
        return roundToU8(convert(fromU8(hwc), false, yOnly));
    }

    /** {@code rgb2ycbcr(img_float32, y_only)}: [0, 1] in, [0, 1] float32 out. */
    public static Tensor rgbToYcbcr(Tensor hwc, boolean yOnly) {
        return toUnitFloat(convert(hwc.to(ScalarType.Double), false, yOnly));
    }

    /** {@code bgr2ycbcr(img_uint8, y_only)}: as {@link #rgbToYcbcrU8} with the channels in BGR order. */
    public static Tensor bgrToYcbcrU8(Tensor hwc, boolean yOnly) {
        return roundToU8(convert(fromU8(hwc), true, yOnly));
    }

    /** {@code bgr2ycbcr(img_float32, y_only)}: as {@link #rgbToYcbcr} with the channels in BGR order. */
    public static Tensor bgrToYcbcr(Tensor hwc, boolean yOnly) {
        return toUnitFloat(convert(hwc.to(ScalarType.Double), true, yOnly));
    }

    /**
     * {@code rgb2ycbcr_pt(img, y_only)}: (N, 3, H, W) RGB in [0, 1] → (N, 1 or 3, H, W) in [0, 1], in the
     * input's precision (float32 for float32 input).
     */
    public static Tensor rgbToYcbcrPt(Tensor nchw, boolean yOnly) {
        Tensor weight = weights(false, yOnly).to(nchw);
        Tensor bias = offsets(yOnly).to(nchw);
        Tensor out = nchw.permute(0, 2, 3, 1).matmul(weight).add(bias).permute(0, 3, 1, 2);
        return Torch.div(out, 255);
    }

    /** (…, 3) float64 in [0, 1] → (…) or (…, 3) on the 0–255 scale. */
    private static Tensor convert(Tensor unit, boolean bgr, boolean yOnly) {
        Tensor out = unit.matmul(weights(bgr, yOnly)).add(offsets(yOnly));
        return yOnly ? out.squeeze(-1) : out;
    }

    /** The 3×3 (or 3×1 Y-only) weight matrix, rows in input channel order, float64. */
    private static Tensor weights(boolean bgr, boolean yOnly) {
        int cols = yOnly ? 1 : 3;
        double[] w = new double[3 * cols];
        for (int row = 0; row < 3; row++) {
            double[] source = RGB_WEIGHTS[bgr ? 2 - row : row];
            System.arraycopy(source, 0, w, row * cols, cols);
        }
        return Torch.fromDoubles(w, 3, cols);
    }

    private static Tensor offsets(boolean yOnly) {
        return yOnly ? Torch.fromDoubles(new double[] {OFFSETS[0]}, 1) : Torch.fromDoubles(OFFSETS.clone(), 3);
    }

    // color_util.py _convert_input_type_range: uint8 is divided by 255 in float32 before the float64 product
    private static Tensor fromU8(Tensor hwc) {
        return Torch.div(hwc.to(ScalarType.Float), 255).to(ScalarType.Double);
    }

    private static Tensor roundToU8(Tensor scaled) {
        return scaled.round().to(ScalarType.Byte);
    }

    private static Tensor toUnitFloat(Tensor scaled) {
        return Torch.div(scaled, 255).to(ScalarType.Float);
    }
}
