package dev.xpsr.api;

import dev.xpsr.model.XpsrControlNetLayout;

import java.util.Optional;

/** One method's loaded networks, restoring one request at a time per calling thread. */
interface Restorer extends AutoCloseable {
    /**
     * Restores the request's image.
     *
     * @throws java.util.concurrent.CancellationException when the job was cancelled meanwhile
     */
    UpscaleResult restore(UpscaleRequest request, ProgressReporter progress);

    /** The device and precision it runs on. */
    String placement();

    /** XPSR's ControlNet layout; empty for methods without one. */
    default Optional<XpsrControlNetLayout> controlNetLayout() {
        return Optional.empty();
    }

    /** Frees the networks; called once no restoration runs. */
    @Override
    void close();
}
