package dev.xpsr.degrade;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.Locale;

/**
 * {@code torch.nn.functional.interpolate} (PyTorch 1.13) for the three modes Real-ESRGAN's degradation draws:
 * x (B, C, H, W) → (B, C, H', W'), align_corners False, no antialias.
 *
 * <ul>
 *   <li>{@code area}: adaptive average pooling to the output size;</li>
 *   <li>{@code bilinear}: source coordinate (i + ½)·s − ½ clamped at 0, two taps;</li>
 *   <li>{@code bicubic}: the same coordinate, Keys cubic with A = −0.75, four taps with indices clamped to the
 *       border.</li>
 * </ul>
 * By {@code size=}, s = in/out. By {@code scale_factor=} f, the output is ⌊in·f⌋ and bilinear/bicubic map with
 * s = 1/f, not in/out (PyTorch passes the factor on to the kernel; {@code recompute_scale_factor} unset). This
 * is the form {@code realesrgan_model.py} uses for its random resizes.
 */
public final class Resize {
    /** The interpolation mode, named as in {@code F.interpolate}. */
    public enum Mode {
        AREA, BILINEAR, BICUBIC;

        /** The mode with the given {@code F.interpolate} name ("area", "bilinear", "bicubic"). */
        public static Mode fromName(String name) {
            return valueOf(name.toUpperCase(Locale.ROOT));
        }
    }

    private Resize() {
    }

    /** {@code F.interpolate(x, size=(height, width), mode=mode)}. */
    public static Tensor toSize(Tensor x, Mode mode, long height, long width) {
        return resample(x, mode, height, width, null, null);
    }

    /** {@code F.interpolate(x, scale_factor=factor, mode=mode)}, the same factor for both axes. */
    public static Tensor byScale(Tensor x, Mode mode, double factor) {
        return byScale(x, mode, factor, factor);
    }

    /** {@code F.interpolate(x, scale_factor=(factorH, factorW), mode=mode)}. */
    public static Tensor byScale(Tensor x, Mode mode, double factorH, double factorW) {
        long height = scaledSize(x.size(2), factorH);
        long width = scaledSize(x.size(3), factorW);
        // 1.13 F.interpolate forces recompute_scale_factor for "area": only the output size reaches the pooling
        return resample(x, mode, height, width, factorH, factorW);
    }

    /** ⌊in·factor⌋, the output size {@code F.interpolate} derives from a scale factor (in double precision). */
    public static long scaledSize(long in, double factor) {
        return (long) Math.floor(in * factor);
    }

    private static Tensor resample(Tensor x, Mode mode, long height, long width, Double scaleH, Double scaleW) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("interpolate output size must be positive, got " + height + "x"
                    + width);
        }
        return switch (mode) {
            case AREA -> Torch.adaptiveAvgPool2d(x, height, width);
            case BILINEAR -> Torch.upsampleBilinear(x, height, width, scaleH, scaleW);
            case BICUBIC -> Torch.upsampleBicubic(x, height, width, scaleH, scaleW);
        };
    }
}
