package dev.xpsr.api;

import dev.xpsr.pipeline.LatentPreview;
import dev.xpsr.pipeline.XpsrPipeline;

import java.time.Duration;
import java.util.Optional;

/**
 * Turns one job's pipeline events into {@link Progress} for the request's listener, and answers the pipeline's
 * cancellation question from the job.
 */
final class ProgressReporter implements XpsrPipeline.Observer {
    private final UpscaleJob job;
    private final ProgressListener listener;
    private final int previewEvery;
    private final long start = System.nanoTime();
    private long loopStart;
    private int total;

    ProgressReporter(UpscaleJob job, UpscaleRequest request) {
        this.job = job;
        this.listener = request.listener();
        this.previewEvery = request.previewEvery();
        this.total = request.options().steps();
    }

    /** A stage of a method without steps. */
    void stage(Progress.Stage stage, int done, int steps) {
        total = steps;
        listener.onProgress(new Progress(stage, done, steps, since(start), Optional.empty(), Optional.empty()));
    }

    @Override
    public void stage(XpsrPipeline.Stage stage) {
        if (stage == XpsrPipeline.Stage.DENOISE) {
            loopStart = System.nanoTime();
        }
        int done = stage == XpsrPipeline.Stage.DECODE ? total : 0;
        listener.onProgress(new Progress(Progress.Stage.valueOf(stage.name()), done, total, since(start),
                Optional.empty(), Optional.empty()));
    }

    @Override
    public void step(XpsrPipeline.Step step) {
        total = step.total();
        int done = step.index() + 1;
        long perStep = (System.nanoTime() - loopStart) / done;
        Duration eta = Duration.ofNanos(perStep * (step.total() - done));
        boolean wanted = previewEvery > 0 && (done % previewEvery == 0 || done == step.total());
        Optional<dev.xpsr.io.RgbImage> preview = wanted ? Optional.of(LatentPreview.of(step.predictedOriginal()))
                : Optional.empty();
        listener.onProgress(new Progress(Progress.Stage.DENOISE, done, step.total(), since(start), Optional.of(eta),
                preview));
    }

    @Override
    public boolean cancelled() {
        return job.cancelRequested();
    }

    private static Duration since(long t0) {
        return Duration.ofNanos(System.nanoTime() - t0);
    }
}
