package dev.xpsr.baseline;

import dev.xpsr.io.RgbImage;
import dev.xpsr.torch.ImageTensors;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;

/**
 * The value range a network reads and writes, with the conversions its reference code applies between 8-bit
 * images and float32 (1, 3, H, W) RGB tensors. Output conversions clamp to the range and round half to even
 * (numpy's {@code round}, TF.js's {@code tf.round}); NaN becomes 0.
 */
public enum PixelRange {
    /**
     * [0, 1]: Real-ESRGAN's {@code RealESRGANer} — input {@code u8 / 255} (float32), output
     * {@code round(clamp(x, 0, 1) · 255)}.
     */
    UNIT(1f),
    /**
     * [0, 255]: UpscalerJS ({@code inputRange = outputRange = [0, 255]}) — input the byte values as floats, output
     * {@code round(clip(x, 0, 255))}.
     */
    BYTE(255f);

    private final float max;

    PixelRange(float max) {
        this.max = max;
    }

    /** The image as a float32 (1, 3, H, W) tensor in this range. */
    public Tensor toTensor(RgbImage image) {
        return this == UNIT ? ImageTensors.toTensor(image)
                : ImageTensors.toHwcTensor(image).permute(2, 0, 1).unsqueeze(0).contiguous();
    }

    /** A (1, 3, H, W) or (3, H, W) network output in this range as an 8-bit image. */
    public RgbImage toImage(Tensor chw) {
        long[] s = Torch.shape(chw);
        boolean batched = s.length == 4 && s[0] == 1;
        if (!(batched || s.length == 3) || s[s.length - 3] != 3) {
            throw new IllegalArgumentException("expected a (1, 3, H, W) image tensor, got " + Arrays.toString(s));
        }
        int h = Math.toIntExact(s[s.length - 2]);
        int w = Math.toIntExact(s[s.length - 1]);
        float[] v = Torch.toFloats(chw);
        int plane = w * h;
        byte[] hwc = new byte[3 * plane];
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                hwc[i * 3 + c] = (byte) toByte(v[c * plane + i]);
            }
        }
        return RgbImage.of(w, h, hwc);
    }

    private int toByte(float v) {
        if (!(v > 0f)) {
            return 0;
        }
        float clamped = Math.min(v, max);
        // float32 product as in the references (numpy float32 array times a Python float stays float32)
        return (int) Math.rint(this == UNIT ? clamped * 255f : clamped);
    }
}
