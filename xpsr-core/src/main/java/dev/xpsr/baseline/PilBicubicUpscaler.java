package dev.xpsr.baseline;

import dev.xpsr.io.RgbImage;
import dev.xpsr.pipeline.PilResize;

/**
 * The Pillow bicubic baseline: {@code img.resize((s·w, s·h), Image.BICUBIC)} of Pillow 9.4, bit-exact
 * ({@link PilResize}): Keys' cubic with a = −0.5, 22-bit fixed-point weights, horizontal pass first, each pass
 * rounded to 8 bits. This is the "bicubic" most Python SR scripts produce with PIL.
 */
public final class PilBicubicUpscaler implements BaselineUpscaler {
    private final int scale;

    /** @param scale magnification, at least 1 */
    public PilBicubicUpscaler(int scale) {
        if (scale < 1) {
            throw new IllegalArgumentException("scale must be at least 1, got " + scale);
        }
        this.scale = scale;
    }

    @Override
    public RgbImage upscale(RgbImage lr) {
        return PilResize.resize(lr, lr.width() * scale, lr.height() * scale, PilResize.Filter.BICUBIC);
    }

    @Override
    public String name() {
        return "bicubic-pil";
    }

    @Override
    public int scale() {
        return scale;
    }
}
