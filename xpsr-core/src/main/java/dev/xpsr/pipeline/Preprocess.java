package dev.xpsr.pipeline;

import dev.xpsr.io.RgbImage;

/**
 * XPSR {@code test.py}'s image preparation around the diffusion pipeline, with its parameters
 * ({@code upscale}, default 4; {@code process_size}, default 512).
 *
 * <p>{@link #prepare}: (a) PIL {@code resize((w·upscale, h·upscale))} with Pillow's default BICUBIC (to the
 * explicit {@code size} instead when one is given); (b) if the shorter side is then below {@code processSize},
 * torchvision {@code Resize(processSize, BILINEAR)}; (c) PIL BICUBIC resize to {@code (w // 8 · 8, h // 8 · 8)} —
 * the control image handed to the pipeline (also the colour-fix source). {@link #restoreSize}: the pipeline's
 * output resized with PIL BICUBIC to {@code (w₀·upscale, h₀·upscale)} of the original LR image (or the size).
 * With {@code upscale} 1 (XPSR's validation config) the image is restored at its own size: step (a) is a copy,
 * and a shorter side below {@code processSize} is still raised to it for the diffusion and brought back after.
 *
 * @param size the output size in place of {@code upscale}·(w, h), or null
 */
public record Preprocess(int upscale, int processSize, OutputSize size) {
    /** test.py's values: {@code upscale: 4}, {@code process_size: 512}. */
    public static final Preprocess DEFAULT = new Preprocess(4, 512);

    /** The ×{@code upscale} preparation. */
    public Preprocess(int upscale, int processSize) {
        this(upscale, processSize, null);
    }

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
     * @param upscaled           step (a), (w·upscale, h·upscale) or the size
     * @param shorterSideResized step (b), or null when the shorter side already reached {@code processSize}
     * @param controlImage       step (c), both sides multiples of 8
     */
    public record Prepared(int lrWidth, int lrHeight, RgbImage upscaled, RgbImage shorterSideResized,
                           RgbImage controlImage) {
    }

    /** The output size for an LR image of {@code lrWidth}×{@code lrHeight}. */
    public OutputSize target(int lrWidth, int lrHeight) {
        return size != null ? size
                : new OutputSize(Math.multiplyExact(lrWidth, upscale), Math.multiplyExact(lrHeight, upscale));
    }

    /** Runs steps (a)–(c) on the LR image. */
    public Prepared prepare(RgbImage lr) {
        OutputSize target = target(lr.width(), lr.height());
        RgbImage up = PilResize.resize(lr, target.width(), target.height());
        RgbImage resized = null;
        RgbImage current = up;
        if (Math.min(up.width(), up.height()) < processSize) {
            resized = PilResize.torchvisionResizeShorter(up, processSize, PilResize.Filter.BILINEAR);
            current = resized;
        }
        RgbImage control = PilResize.resize(current, current.width() / 8 * 8, current.height() / 8 * 8);
        return new Prepared(lr.width(), lr.height(), up, resized, control);
    }

    /** The final step: {@code image.resize((w₀·upscale, h₀·upscale))} (or the size) with PIL BICUBIC. */
    public RgbImage restoreSize(RgbImage output, int lrWidth, int lrHeight) {
        OutputSize target = target(lrWidth, lrHeight);
        return PilResize.resize(output, target.width(), target.height());
    }

    /** {@link #restoreSize(RgbImage, int, int)} for the LR size recorded in {@code prepared}. */
    public RgbImage restoreSize(RgbImage output, Prepared prepared) {
        return restoreSize(output, prepared.lrWidth(), prepared.lrHeight());
    }
}
