package dev.xpsr.api;

/**
 * Told where a restoration stands: at the start of each stage and after each denoising step. Called on the
 * {@link Upscaler}'s worker thread, between steps: a slow listener slows the restoration, and an exception it
 * throws fails it.
 */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = progress -> {
    };

    void onProgress(Progress progress);
}
