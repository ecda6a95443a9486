package dev.xpsr.prompt;

import dev.xpsr.io.RgbImage;

/** Asks a multimodal model for a text about an image. Implementations are thread-safe. */
public interface CaptionClient {
    /**
     * The model's answer to {@code instruction} about {@code image}, post-processed as XPSR does
     * ({@link CaptionText}): never empty, never longer than the configured bound.
     *
     * @throws CaptionException when no usable answer came, after the retries the failure allows
     */
    String caption(RgbImage image, String instruction) throws CaptionException;

    /** Which server and model this is, for logs and reports; never contains a secret. */
    String describe();
}
