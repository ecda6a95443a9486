package dev.xpsr.io;

import java.util.Arrays;

/**
 * An immutable 8-bit RGB image: {@code width × height} pixels stored row-major as interleaved bytes
 * {@code R, G, B} (HWC order, what {@code np.array(pil_image)} holds for a PIL "RGB" image).
 *
 * <p>Pixel arrays are copied in and out, so an instance never changes. The conversions to and from tensors, with
 * torchvision's and diffusers' semantics, are in {@code dev.xpsr.torch.ImageTensors}, so that this package, which
 * reads and writes files, does not depend on the tensor engine.
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
