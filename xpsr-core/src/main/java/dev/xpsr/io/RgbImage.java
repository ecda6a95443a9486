package dev.xpsr.io;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;

/**
 * An immutable 8-bit RGB image: {@code width × height} pixels stored row-major as interleaved bytes
 * {@code R, G, B} (HWC order, what {@code np.array(pil_image)} holds for a PIL "RGB" image).
 *
 * <p>The tensor conversions reproduce the three conversions XPSR's inference uses:
 * <ul>
 *   <li>{@link #toTensor()}: torchvision 0.14 {@code ToTensor} — u8 / 255 in float32, shape (1, 3, H, W).</li>
 *   <li>{@link #fromTensorTruncating}: torchvision 0.14 {@code ToPILImage} on a float tensor —
 *       {@code pic.mul(255).byte()}, i.e. x·255 in float32 then <b>truncation</b> toward zero.</li>
 *   <li>{@link #fromVaeOutput}: diffusers 0.21.4 {@code VaeImageProcessor.postprocess(output_type="pil")} —
 *       {@code clamp(x/2 + 0.5, 0, 1)}, then numpy {@code (x * 255).round()} (half to even) in float32.</li>
 * </ul>
 * All arithmetic is done in Java float32, which is IEEE-identical to the element-wise torch / numpy float32 ops
 * of the reference. Pixel arrays are copied in and out, so an instance never changes.
 */
public final class RgbImage {
    private final int width;
    private final int height;
    private final byte[] pixels;

    private RgbImage(int width, int height, byte[] pixels) {
        this.width = width;
        this.height = height;
        this.pixels = pixels;
    }

    /**
     * An image holding a copy of {@code hwc}.
     *
     * @param hwc {@code width·height·3} bytes, row-major, R G B per pixel (unsigned)
     */
    public static RgbImage of(int width, int height, byte[] hwc) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        long expected = 3L * width * height;
        if (hwc.length != expected) {
            throw new IllegalArgumentException(width + "x" + height + " RGB needs " + expected + " bytes, got "
                    + hwc.length);
        }
        return new RgbImage(width, height, hwc.clone());
    }

    /** An image of one colour. */
    public static RgbImage filled(int width, int height, int r, int g, int b) {
        byte[] px = new byte[Math.multiplyExact(3, Math.multiplyExact(width, height))];
        for (int i = 0; i < px.length; i += 3) {
            px[i] = (byte) r;
            px[i + 1] = (byte) g;
            px[i + 2] = (byte) b;
        }
        return of(width, height, px);
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** Number of pixels, {@code width · height}. */
    public long pixelCount() {
        return (long) width * height;
    }

    /** Channel {@code c} (0 = R, 1 = G, 2 = B) of pixel (x, y), 0..255. */
    public int get(int x, int y, int c) {
        if (x < 0 || x >= width || y < 0 || y >= height || c < 0 || c > 2) {
            throw new IndexOutOfBoundsException("(" + x + ", " + y + ", " + c + ") outside " + width + "x" + height
                    + "x3");
        }
        return pixels[(y * width + x) * 3 + c] & 0xFF;
    }

    /** A copy of the HWC RGB bytes. */
    public byte[] toHwcBytes() {
        return pixels.clone();
    }

    /** The rectangle of {@code w × h} pixels whose top-left corner is (x, y), as PIL {@code crop((x, y, x+w, y+h))}. */
    public RgbImage crop(int x, int y, int w, int h) {
        if (x < 0 || y < 0 || w < 1 || h < 1 || x + w > width || y + h > height) {
            throw new IllegalArgumentException("crop " + w + "x" + h + "+" + x + "+" + y + " outside " + width + "x"
                    + height);
        }
        byte[] out = new byte[3 * w * h];
        for (int row = 0; row < h; row++) {
            System.arraycopy(pixels, ((y + row) * width + x) * 3, out, row * w * 3, w * 3);
        }
        return new RgbImage(w, h, out);
    }

    // ---------------------------------------------------------------- tensors

    /** torchvision {@code ToTensor()(img).unsqueeze(0)}: float32 (1, 3, H, W), values u8 / 255 in [0, 1]. */
    public Tensor toTensor() {
        int plane = width * height;
        float[] chw = new float[3 * plane];
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                chw[c * plane + i] = (pixels[i * 3 + c] & 0xFF) / 255f;
            }
        }
        return Torch.fromFloats(chw, 1, 3, height, width);
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
        return new RgbImage(Math.toIntExact(s[1]), Math.toIntExact(s[0]), px);
    }

    /** This image as a float32 (H, W, 3) tensor of the values 0..255 (the layout of the fixtures' u8 images). */
    public Tensor toHwcTensor() {
        float[] v = new float[pixels.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = pixels[i] & 0xFF;
        }
        return Torch.fromFloats(v, height, width, 3);
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
        return of(w, h, px);
    }

    private static float clamp01(float v) {
        // torch.clamp keeps NaN and its byte cast is undefined; NaN maps to 0 here
        if (!(v > 0f)) {
            return 0f;
        }
        return Math.min(v, 1f);
    }

    // ---------------------------------------------------------------- value semantics

    @Override
    public boolean equals(Object o) {
        return o instanceof RgbImage other && width == other.width && height == other.height
                && Arrays.equals(pixels, other.pixels);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(pixels);
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }
}
