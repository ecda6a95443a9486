package dev.xpsr.baseline;

import dev.xpsr.degrade.MatlabImresize;
import dev.xpsr.io.RgbImage;
import dev.xpsr.torch.ImageTensors;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * The MATLAB bicubic baseline of the SR literature: {@code imresize(uint8 img, s, 'bicubic')}, as reproduced
 * by {@link MatlabImresize} (Keys' cubic with a = −0.5, symmetric border, rows then columns), on the pixel
 * values 0…255 held in float32, then converted back the way MATLAB's {@code uint8} conversion does: clamped
 * to 0…255 and rounded half away from zero. This is the upsampling behind the published "Bicubic" rows of
 * Set5/Set14 tables (e.g. Set5 butterfly ×4: 22.10 dB PSNR-Y).
 */
public final class MatlabBicubicUpscaler implements BaselineUpscaler {
    private final int scale;

    /** @param scale magnification, at least 1 */
    public MatlabBicubicUpscaler(int scale) {
        if (scale < 1) {
            throw new IllegalArgumentException("scale must be at least 1, got " + scale);
        }
        this.scale = scale;
    }

    @Override
    public RgbImage upscale(RgbImage lr) {
        NativeStartup.ensureStarted();
        try (PointerScope scope = new PointerScope()) {
            Tensor chw = ImageTensors.toHwcTensor(lr).permute(2, 0, 1).contiguous();
            Tensor up = MatlabImresize.imresize(chw, scale, true);
            return toImage(Torch.toFloats(up), lr.width() * scale, lr.height() * scale);
        }
    }

    /** MATLAB's double → uint8 conversion: saturate, then round half away from zero. */
    private static RgbImage toImage(float[] chw, int width, int height) {
        int plane = width * height;
        byte[] hwc = new byte[3 * plane];
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                float v = Math.max(0f, Math.min(255f, chw[c * plane + i]));
                hwc[i * 3 + c] = (byte) (int) Math.floor(v + 0.5);
            }
        }
        return RgbImage.of(width, height, hwc);
    }

    @Override
    public String name() {
        return "bicubic-matlab";
    }

    @Override
    public int scale() {
        return scale;
    }
}
