package dev.xpsr.server;

import dev.xpsr.api.Progress;
import dev.xpsr.api.UpscaleJob;

import java.util.Optional;

/**
 * A job a worker is running: its library handle, its latest progress, and whether a client asked to cancel it.
 * A cancel may arrive before the handle exists; the flag and the handle are both volatile and each side writes its
 * own before reading the other's, so the handle is cancelled either way.
 */
final class RunningJob {
    private volatile UpscaleJob handle;
    private volatile boolean cancelRequested;
    private volatile boolean stopRequested;
    private volatile Progress progress;

    void attach(UpscaleJob h) {
        handle = h;
        if (cancelRequested || stopRequested) {
            h.cancel();
        }
    }

    /** A client's cancel: the job ends {@code cancelled}. */
    void cancel() {
        cancelRequested = true;
        stopHandle();
    }

    /** The server is stopping: the job stops and goes back to the queue. */
    void stop() {
        stopRequested = true;
        stopHandle();
    }

    boolean cancelRequested() {
        return cancelRequested;
    }

    void progress(Progress p) {
        // the preview image is sent once as an event, not kept
        progress = new Progress(p.stage(), p.step(), p.total(), p.elapsed(), p.eta(), Optional.empty());
    }

    Optional<Progress> progress() {
        return Optional.ofNullable(progress);
    }

    private void stopHandle() {
        UpscaleJob h = handle;
        if (h != null) {
            h.cancel();
        }
    }
}
