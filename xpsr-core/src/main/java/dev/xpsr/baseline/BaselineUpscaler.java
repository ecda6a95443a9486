package dev.xpsr.baseline;

import dev.xpsr.io.RgbImage;

/**
 * A baseline super-resolution method: an 8-bit RGB image in, an image {@link #scale()} times as wide and as high
 * out. Implementations are deterministic and safe to call repeatedly; the network-based ones hold their weights
 * until {@link #close()}, after which they cannot be used.
 */
public interface BaselineUpscaler extends AutoCloseable {
    /** Upscales {@code lr}; the result is {@code scale() · width × scale() · height}. */
    RgbImage upscale(RgbImage lr);

    /** A short, stable name for reports and file names, e.g. {@code bicubic-pil} or {@code realesrgan-x4plus}. */
    String name();

    /** The integer magnification factor. */
    int scale();

    /** Frees the weights, if any; must not run while an upscale does. */
    @Override
    default void close() {
    }
}
