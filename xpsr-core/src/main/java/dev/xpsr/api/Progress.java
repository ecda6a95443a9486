package dev.xpsr.api;

import dev.xpsr.io.RgbImage;

import java.time.Duration;
import java.util.Optional;

/**
 * Where a restoration stands.
 *
 * @param stage   the running stage
 * @param step    denoising steps done (0 before the loop; for the baselines 0 or 1)
 * @param total   denoising steps in all (1 for the baselines)
 * @param elapsed time since the restoration started
 * @param eta     estimated time to the end of the denoising loop, from the mean step time so far (unknown, empty,
 *                before the first step)
 * @param preview a preview of the current estimate of the result at latent resolution, on the steps the request
 *                asked for
 */
public record Progress(Stage stage, int step, int total, Duration elapsed, Optional<Duration> eta,
                       Optional<RgbImage> preview) {
    /** The stages of a restoration, in order; the baselines have only {@link #RESTORE}. */
    public enum Stage {
        /** Encoding the prompts with CLIP. */
        PROMPTS,
        /** Encoding the LR image into the start latent. */
        ENCODE,
        /** The denoising loop. */
        DENOISE,
        /** Decoding and colour correction. */
        DECODE,
        /** A baseline network or interpolation. */
        RESTORE
    }

    /** The fraction done, 0–1, counted in denoising steps. */
    public double fraction() {
        return total == 0 ? 0 : (double) step / total;
    }
}
