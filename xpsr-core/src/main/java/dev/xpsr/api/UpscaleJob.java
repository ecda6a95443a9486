package dev.xpsr.api;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A submitted restoration: its state, its result when done, and a way to cancel it. Thread-safe.
 *
 * <p>{@link #cancel()} takes a queued job off the queue at once; a running one stops before its next stage or
 * denoising step (within one step's time) and frees its tensors. Either way {@link #join()} then throws
 * {@link CancellationException}.
 */
public final class UpscaleJob {
    /** The life of a job. */
    public enum State { QUEUED, RUNNING, DONE, FAILED, CANCELLED }

    private final String name;
    private final Consumer<UpscaleJob> onFinish;
    private final CompletableFuture<UpscaleResult> result = new CompletableFuture<>();
    private volatile boolean cancelRequested;
    private volatile boolean started;
    private volatile Future<?> task;

    /** @param onFinish run once, just before the job's outcome becomes visible */
    UpscaleJob(String name, Consumer<UpscaleJob> onFinish) {
        this.name = name;
        this.onFinish = onFinish;
    }

    /** The request's image name. */
    public String name() {
        return name;
    }

    /**
     * Asks the job to stop: a queued job never starts, a running one stops before its next stage or step.
     *
     * @return false when the job had already finished
     */
    public boolean cancel() {
        if (result.isDone()) {
            return false;
        }
        cancelRequested = true;
        Future<?> f = task;
        if (!started && f != null && f.cancel(false)) {
            cancelled("cancelled before it started");
        }
        return true;
    }

    /** Whether {@link #cancel()} was called. */
    public boolean cancelRequested() {
        return cancelRequested;
    }

    public State state() {
        if (!result.isDone()) {
            return started ? State.RUNNING : State.QUEUED;
        }
        if (result.isCancelled()) {
            return State.CANCELLED;
        }
        try {
            result.getNow(null);
            return State.DONE;
        } catch (CancellationException e) {
            return State.CANCELLED;
        } catch (CompletionException e) {
            return e.getCause() instanceof CancellationException ? State.CANCELLED : State.FAILED;
        }
    }

    public boolean isDone() {
        return result.isDone();
    }

    /**
     * Waits for the result.
     *
     * @throws CancellationException when the job was cancelled
     * @throws UpscaleException      when the restoration failed (its cause is the original error)
     */
    public UpscaleResult join() {
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancel();
            throw new CancellationException("interrupted while waiting for " + name + "; the job was cancelled");
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        }
    }

    /**
     * Waits at most {@code timeout} for the result.
     *
     * @throws TimeoutException when it is not done by then (the job goes on)
     */
    public UpscaleResult join(long timeout, TimeUnit unit) throws TimeoutException {
        try {
            return result.get(timeout, unit);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancel();
            throw new CancellationException("interrupted while waiting for " + name + "; the job was cancelled");
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        }
    }

    /** The result as a completion stage, for asynchronous code (cancelling through it has no effect: use cancel). */
    public CompletionStage<UpscaleResult> completion() {
        return result.minimalCompletionStage();
    }

    void attach(Future<?> f) {
        task = f;
    }

    /** Marks the job running; false when it was cancelled before it could start. */
    boolean start() {
        started = true;
        if (cancelRequested) {
            cancelled("cancelled before it started");
            return false;
        }
        return true;
    }

    void succeeded(UpscaleResult r) {
        finish();
        result.complete(r);
    }

    void failed(Throwable t) {
        finish();
        result.completeExceptionally(t);
    }

    private void cancelled(String why) {
        failed(new CancellationException(name + ": " + why));
    }

    private synchronized void finish() {
        if (!result.isDone()) {
            onFinish.accept(this);
        }
    }

    private RuntimeException unwrap(Throwable cause) {
        if (cause instanceof CancellationException c) {
            CancellationException copy = new CancellationException(c.getMessage());
            copy.initCause(c);
            return copy;
        }
        if (cause instanceof UpscaleException u) {
            return new UpscaleException(u.getMessage(), u);
        }
        return new UpscaleException(name + ": " + cause.getMessage(), cause);
    }
}
