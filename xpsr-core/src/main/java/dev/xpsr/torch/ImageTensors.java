package dev.xpsr.torch;

import dev.xpsr.io.RgbImage;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;

/**
 * Conversions between {@link RgbImage}s and tensors, reproducing the three conversions XPSR's inference uses:
 * <ul>
 *   <li>{@link #toTensor}: torchvision 0.14 {@code ToTensor} — u8 / 255 in float32, shape (1, 3, H, W).</li>
 *   <li>{@link #fromTensorTruncating}: torchvision 0.14 {@code ToPILImage} on a float tensor —
 *       {@code pic.mul(255).byte()}, i.e. x·255 in float32 then <b>truncation</b> toward zero.</li>
 *   <li>{@link #fromVaeOutput}: diffusers 0.21.4 {@code VaeImageProcessor.postprocess(output_type="pil")} —
 *       {@code clamp(x/2 + 0.5, 0, 1)}, then numpy {@code (x * 255).round()} (half to even) in float32.</li>
 * </ul>
 * and the (H, W, 3) layout of the golden fixtures' u8 images ({@link #toHwcTensor}, {@link #fromHwcTensor}).
 * All arithmetic is done in Java float32, which is IEEE-identical to the element-wise torch / numpy float32 ops
 * of the reference.
 */
public final class ImageTensors {
    private ImageTensors() {
    }

    /** torchvision {@code ToTensor()(img).unsqueeze(0)}: float32 (1, 3, H, W), values u8 / 255 in [0, 1]. */
    public static Tensor toTensor(RgbImage image) {
        byte[] pixels = image.toHwcBytes();
        int plane = image.width() * image.height();
        float[] chw = new float[3 * plane];
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                chw[c * plane + i] = (pixels[i * 3 + c] & 0xFF) / 255f;
            }
        }
        return Torch.fromFloats(chw, 1, 3, image.height(), image.width());
    }

    /**
     * torchvision 0.14 {@code ToPILImage()} of a float image in [0, 1]: {@code pic.mul(255).byte()}, so x·255 is
     * <b>truncated</b>, not rounded. Values are first clamped to [0, 1] (XPSR's colour fix clamps right before
     * the conversion; clamping here keeps the byte cast defined for any input).
     *
     * @param chw float tensor (3, H, W) or (1, 3, H, W)
     */
    public static RgbImage fromTensorTruncating(Tensor chw) {
        return fromPlanes(chw, v -> (int) (clamp01(v) * 255f));
    }

    /**
     * diffusers 0.21.4 {@code VaeImageProcessor.postprocess(image, "pil")} of a VAE decoder output in [-1, 1]:
     * {@code (x / 2 + 0.5).clamp(0, 1)}, then numpy {@code (x * 255).round().astype("uint8")}; numpy rounds
     * half to even, hence {@link Math#rint}.
     *
     * @param chw float tensor (3, H, W) or (1, 3, H, W)
     */
    public static RgbImage fromVaeOutput(Tensor chw) {
        return fromPlanes(chw, v -> (int) Math.rint(clamp01(v / 2f + 0.5f) * 255f));
    }

    /**
     * An image from an HWC tensor (H, W, 3) holding integral values 0..255 of any dtype (e.g. a stored
     * {@code *_u8} fixture image read as float).
     */
    public static RgbImage fromHwcTensor(Tensor hwc) {
        long[] s = Torch.shape(hwc);
        if (s.length != 3 || s[2] != 3) {
            throw new IllegalArgumentException("expected an (H, W, 3) tensor, got " + Arrays.toString(s));
        }
        float[] v = Torch.toFloats(hwc);
        byte[] px = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] < 0 || v[i] > 255 || v[i] != Math.rint(v[i])) {
                throw new IllegalArgumentException("value " + v[i] + " at index " + i + " is not a byte 0..255");
            }
            px[i] = (byte) (int) v[i];
        }
        return RgbImage.of(Math.toIntExact(s[1]), Math.toIntExact(s[0]), px);
    }

    /** The image as a float32 (H, W, 3) tensor of the values 0..255 (the layout of the fixtures' u8 images). */
    public static Tensor toHwcTensor(RgbImage image) {
        byte[] pixels = image.toHwcBytes();
        float[] v = new float[pixels.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = pixels[i] & 0xFF;
        }
        return Torch.fromFloats(v, image.height(), image.width(), 3);
    }

    private interface ToByte {
        int apply(float v);
    }

    private static RgbImage fromPlanes(Tensor chw, ToByte toByte) {
        long[] s = Torch.shape(chw);
        boolean batched = s.length == 4 && s[0] == 1;
        if (!(batched || s.length == 3) || s[s.length - 3] != 3) {
            throw new IllegalArgumentException("expected a (3, H, W) or (1, 3, H, W) tensor, got "
                    + Arrays.toString(s));
        }
        int h = Math.toIntExact(s[s.length - 2]);
        int w = Math.toIntExact(s[s.length - 1]);
        float[] v = Torch.toFloats(chw);
        int plane = w * h;
        byte[] px = new byte[3 * plane];
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                px[i * 3 + c] = (byte) toByte.apply(v[c * plane + i]);
            }
        }
        return RgbImage.of(w, h, px);
    }

    private static float clamp01(float v) {
        // torch.clamp keeps NaN and its byte cast is undefined; NaN maps to 0 here
        if (!(v > 0f)) {
            return 0f;
        }
        return Math.min(v, 1f);
    }
}
