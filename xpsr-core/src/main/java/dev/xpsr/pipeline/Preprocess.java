package dev.xpsr.pipeline;

import dev.xpsr.io.RgbImage;

/**
 * XPSR {@code test.py}'s image preparation around the diffusion pipeline, with its parameters
 * ({@code upscale}, default 4; {@code process_size}, default 512).
 *
 * <p>{@link #prepare}: (a) PIL {@code resize((w·upscale, h·upscale))} with Pillow's default BICUBIC; (b) if the
 * shorter side is then below {@code processSize}, torchvision {@code Resize(processSize, BILINEAR)}; (c) PIL
 * BICUBIC resize to {@code (w // 8 · 8, h // 8 · 8)} — the control image handed to the pipeline (also the
 * colour-fix source). {@link #restoreSize}: the pipeline's output resized with PIL BICUBIC to
 * {@code (w₀·upscale, h₀·upscale)} of the original LR image.
 */
public record Preprocess(int upscale, int processSize) {
    /** test.py's values: {@code upscale: 4}, {@code process_size: 512}. */
    public static final Preprocess DEFAULT = new Preprocess(4, 512);

    public Preprocess {
        if (upscale < 1) {
            throw new IllegalArgumentException("upscale must be at least 1, got " + upscale);
        }
        if (processSize < 8) {
            throw new IllegalArgumentException("process size must be at least 8, got " + processSize);
        }
    }

    /**
     * The images of each step.
     *
     * @param upscaled           step (a), (w·upscale, h·upscale)
     * @param shorterSideResized step (b), or null when the shorter side already reached {@code processSize}
     * @param controlImage       step (c), both sides multiples of 8
     */
    public record Prepared(int lrWidth, int lrHeight, RgbImage upscaled, RgbImage shorterSideResized,
                           RgbImage controlImage) {
    }

    /** Runs steps (a)–(c) on the LR image. */
    public Prepared prepare(RgbImage lr) {
        RgbImage up = PilResize.resize(lr, Math.multiplyExact(lr.width(), upscale),
                Math.multiplyExact(lr.height(), upscale));
        RgbImage resized = null;
        RgbImage current = up;
        if (Math.min(up.width(), up.height()) < processSize) {
            resized = PilResize.torchvisionResizeShorter(up, processSize, PilResize.Filter.BILINEAR);
            current = resized;
        }
        RgbImage control = PilResize.resize(current, current.width() / 8 * 8, current.height() / 8 * 8);
        return new Prepared(lr.width(), lr.height(), up, resized, control);
    }

    /** The final step: {@code image.resize((w₀·upscale, h₀·upscale))} with PIL BICUBIC. */
    public RgbImage restoreSize(RgbImage output, int lrWidth, int lrHeight) {
        return PilResize.resize(output, Math.multiplyExact(lrWidth, upscale), Math.multiplyExact(lrHeight, upscale));
    }

    /** {@link #restoreSize(RgbImage, int, int)} for the LR size recorded in {@code prepared}. */
    public RgbImage restoreSize(RgbImage output, Prepared prepared) {
        return restoreSize(output, prepared.lrWidth(), prepared.lrHeight());
    }
}
