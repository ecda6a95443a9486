package dev.xpsr.torch;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;

/**
 * ATen's intra-op thread count for one thread only, leaving the rest of the process as it was.
 *
 * <p>libtorch's CPU build runs its parallel loops on OpenMP, whose thread count is a per-thread setting: each
 * thread's parallel regions use the count that thread last set. {@code at::set_num_threads} sets it for the calling
 * thread and also stores it as the count threads that have not used ATen yet start with. To change only one
 * thread, {@link #setForCurrentThread} sets the count on the calling thread, then stores the previous start-up
 * count again from a short-lived helper thread (which changes nothing else: its own count dies with it).
 */
public final class ThreadCount {
    private ThreadCount() {
    }

    /** The intra-op thread count of the calling thread. */
    public static int ofCurrentThread() {
        NativeStartup.ensureStarted();
        return org.bytedeco.pytorch.global.torch.get_num_threads();
    }

    /** The count a thread that has not used ATen yet starts with. */
    public static int forNewThreads() {
        return onFreshThread(ThreadCount::ofCurrentThread);
    }

    /**
     * Sets the intra-op thread count of the calling thread to {@code threads}; other threads, and threads started
     * later, keep theirs.
     *
     * @throws IllegalArgumentException when {@code threads} is below 1
     */
    public static synchronized void setForCurrentThread(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        int processDefault = forNewThreads();
        // ATen initialises a thread's count lazily, from the start-up count, on the thread's first query; do that
        // first, or it would overwrite the count set here once the start-up count is put back
        ofCurrentThread();
        org.bytedeco.pytorch.global.torch.set_num_threads(threads);
        if (processDefault != threads) {
            onFreshThread(() -> {
                org.bytedeco.pytorch.global.torch.set_num_threads(processDefault);
                return processDefault;
            });
        }
    }

    /** Runs {@code work} on a new thread and returns its value (the caller waits). */
    private static int onFreshThread(IntSupplier work) {
        AtomicInteger value = new AtomicInteger();
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                value.set(work.getAsInt());
            } catch (RuntimeException e) {
                failure.set(e);
            }
        }, "xpsr-thread-count");
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while setting the thread count", e);
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        return value.get();
    }
}
