package dev.xpsr.api;

import dev.xpsr.hub.HubClient;
import dev.xpsr.model.XpsrControlNetLayout;
import dev.xpsr.pipeline.XpsrModels;
import dev.xpsr.prompt.AnalyserPromptSource;
import dev.xpsr.prompt.DegradationAnalyser;
import dev.xpsr.prompt.PromptSource;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Placement;
import dev.xpsr.torch.ThreadCount;
import org.bytedeco.javacpp.Pointer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one entry point for restoring images in a JVM service or batch job: a loaded method (XPSR or a baseline)
 * with its own worker threads, built by {@link #builder(Method)}.
 *
 * <pre>{@code
 * try (Upscaler upscaler = Upscaler.builder(Method.XPSR).xpsrWeights("checkpoint-300000")
 *         .baseModel("stable-diffusion-v1-5/stable-diffusion-v1-5").build()) {
 *     UpscaleResult r = upscaler.upscale(UpscaleRequest.builder(image).caption("a cat on a sofa").seed(7).build());
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> All methods are safe to call from any number of threads. Restorations run on the
 * upscaler's worker threads, at most {@link Builder#concurrency} at once (default one); further requests wait in
 * order. A request gives the same bytes whether it runs alone or beside others. {@link #upscale} blocks its
 * caller; {@link #submit} returns an {@link UpscaleJob} at once, which can be waited for or cancelled.
 *
 * <p><b>Process state.</b> Building starts the native engine once per process (extracting libtorch and giving
 * OpenBLAS one thread, see {@link NativeStartup}); after that an upscaler changes no process-wide setting. A
 * {@link Builder#threads} choice applies to its worker threads only.
 *
 * <p><b>Lifecycle.</b> {@link #close} cancels queued and running requests, waits for the running ones to stop
 * (within one denoising step), frees the networks' native memory and returns the freed memory to the system.
 * Requests after close fail with {@link IllegalStateException}.
 */
public final class Upscaler implements AutoCloseable {
    private final Method method;
    private final Restorer restorer;
    private final ThreadPoolExecutor workers;
    private final Set<UpscaleJob> active = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    Upscaler(Method method, Restorer restorer, int concurrency, int threads) {
        this.method = method;
        this.restorer = restorer;
        this.workers = new ThreadPoolExecutor(concurrency, concurrency, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), new WorkerThreads(method, threads));
        this.workers.allowCoreThreadTimeOut(true);
    }

    /** A builder for {@code method}. */
    public static Builder builder(Method method) {
        return new Builder(method);
    }

    public Method method() {
        return method;
    }

    /** The device and precision the networks run on, e.g. {@code cpu fp32}. */
    public String placement() {
        return restorer.placement();
    }

    /** XPSR's ControlNet layout (fusion mode, DFC heads) as loaded and checked; empty for the baselines. */
    public Optional<XpsrControlNetLayout> controlNetLayout() {
        return restorer.controlNetLayout();
    }

    /**
     * Restores one image, waiting for a free worker if needed.
     *
     * @throws CancellationException when the request was cancelled (by {@link #close}, or the waiting thread was
     *                               interrupted, which cancels it)
     * @throws UpscaleException      when the restoration failed
     * @throws IllegalStateException when the upscaler is closed
     */
    public UpscaleResult upscale(UpscaleRequest request) {
        return submit(request).join();
    }

    /**
     * Queues one restoration and returns at once.
     *
     * @throws IllegalStateException when the upscaler is closed
     */
    public UpscaleJob submit(UpscaleRequest request) {
        Objects.requireNonNull(request, "request");
        UpscaleJob job = new UpscaleJob(request.name(), active::remove);
        active.add(job);
        try {
            ensureOpen();
            job.attach(workers.submit(() -> run(job, request)));
        } catch (RejectedExecutionException | IllegalStateException e) {
            active.remove(job);
            throw new IllegalStateException("this " + method.id() + " upscaler is closed", e);
        }
        return job;
    }

    /** Requests queued or running now. */
    public int pending() {
        return active.size();
    }

    private void run(UpscaleJob job, UpscaleRequest request) {
        try {
            if (job.start()) {
                job.succeeded(restorer.restore(request, new ProgressReporter(job, request)));
            }
        } catch (CancellationException e) {
            job.failed(e);
        } catch (RuntimeException | Error e) {
            String what = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            job.failed(new UpscaleException(request.name() + ": " + what, e));
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this " + method.id() + " upscaler is closed");
        }
    }

    /**
     * Cancels every queued and running request, waits until none runs, frees the networks and hands the freed
     * native memory back to the system. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        active.forEach(UpscaleJob::cancel);
        workers.shutdown();
        boolean interrupted = false;
        while (true) {
            try {
                if (workers.awaitTermination(1, TimeUnit.SECONDS)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        restorer.close();
        Pointer.trimMemory();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Names the workers and gives each the chosen ATen thread count (that thread's alone). */
    private static final class WorkerThreads implements ThreadFactory {
        private final AtomicInteger count = new AtomicInteger();
        private final String prefix;
        private final int threads;

        WorkerThreads(Method method, int threads) {
            this.prefix = "xpsr-" + method.id() + "-";
            this.threads = threads;
        }

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(() -> {
                NativeStartup.ensureStarted();
                if (threads > 0) {
                    ThreadCount.setForCurrentThread(threads);
                }
                r.run();
            }, prefix + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    }

    /**
     * Builds an {@link Upscaler}. XPSR needs its checkpoint ({@link #xpsrWeights}) and Stable Diffusion 1.5
     * ({@link #baseModel}); the baselines need their weight files in {@link #baselineModels} (bicubic needs
     * nothing). A method whose files are missing fails with {@link MethodUnavailableException}, which names them,
     * says where they are published and suggests a method that runs now.
     */
    public static final class Builder {
        /** The Stable Diffusion 1.5 copy used when none is given. */
        public static final String DEFAULT_BASE_MODEL = "stable-diffusion-v1-5/stable-diffusion-v1-5";

        final Method method;
        String baseModel = DEFAULT_BASE_MODEL;
        String xpsrWeights;
        String variant;
        XpsrModels models;
        HubClient hub;
        Placement placement = Placement.CPU_FP32;
        XpsrModels.Residency residency;
        long memoryBudget;
        int threads;
        int concurrency = 1;
        PromptSource highlevelPrompts = PromptSource.NONE;
        PromptSource lowlevelPrompts = new AnalyserPromptSource(new DegradationAnalyser());
        Path baselineModels;

        private Builder(Method method) {
            this.method = Objects.requireNonNull(method, "method");
        }

        /**
         * The base model XPSR's checkpoint was trained on: Stable Diffusion 1.5, or 2.x for a checkpoint trained on it
         * (e.g. {@code stabilityai/stable-diffusion-2-1-base}); a diffusers folder or a Hugging Face repo id,
         * downloaded once into the cache.
         */
        public Builder baseModel(String folderOrRepoId) {
            baseModel = Objects.requireNonNull(folderOrRepoId, "baseModel");
            return this;
        }

        /** XPSR's checkpoint: a folder holding {@code controlnet/} and {@code unet/}, or a repo id with them. */
        public Builder xpsrWeights(String folderOrRepoId) {
            xpsrWeights = Objects.requireNonNull(folderOrRepoId, "xpsrWeights");
            return this;
        }

        /** The weight file variant to read, e.g. {@code fp16} (default: the full files). */
        public Builder variant(String v) {
            variant = v;
            return this;
        }

        /** Already built XPSR models (e.g. random weights for tests and demos); the upscaler closes them. */
        public Builder models(XpsrModels v) {
            models = Objects.requireNonNull(v, "models");
            return this;
        }

        /** The hub client repo ids are fetched through (default: {@code HubSettings.fromSystem()}). */
        public Builder hub(HubClient v) {
            hub = Objects.requireNonNull(v, "hub");
            return this;
        }

        /** Device and precision (default: CPU, fp32). */
        public Builder placement(Placement v) {
            placement = Objects.requireNonNull(v, "placement");
            return this;
        }

        /**
         * Whether XPSR's networks stay loaded between images; null (the default) chooses from the memory budget
         * when one is set, else sequential on the CPU and resident on CUDA.
         */
        public Builder residency(XpsrModels.Residency v) {
            residency = v;
            return this;
        }

        /** The most memory the models and one restoration may take, in bytes; 0 (the default) for no limit. */
        public Builder memoryBudget(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("memoryBudget must be at least 0 bytes, got " + bytes);
            }
            memoryBudget = bytes;
            return this;
        }

        /** ATen intra-op threads of each worker; 0 (the default) keeps the process's count. */
        public Builder threads(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("threads must be at least 0, got " + n);
            }
            threads = n;
            return this;
        }

        /** Restorations running at once (default 1); further requests wait. */
        public Builder concurrency(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("concurrency must be at least 1, got " + n);
            }
            concurrency = n;
            return this;
        }

        /**
         * Where XPSR's captions and low-level descriptions come from when a request gives none (default: an empty
         * caption and the built-in degradation analyser).
         */
        public Builder promptSources(PromptSource highlevel, PromptSource lowlevel) {
            highlevelPrompts = Objects.requireNonNull(highlevel, "highlevel");
            lowlevelPrompts = Objects.requireNonNull(lowlevel, "lowlevel");
            return this;
        }

        /** The folder of the baseline networks (default: the repository's {@code fixtures/data/models}). */
        public Builder baselineModels(Path folder) {
            baselineModels = Objects.requireNonNull(folder, "baselineModels");
            return this;
        }

        /**
         * Loads the method.
         *
         * @throws MethodUnavailableException when its weight files are missing
         * @throws IOException                when they cannot be read or fetched
         */
        public Upscaler build() throws IOException {
            NativeStartup.ensureStarted();
            placement.checkAvailable();
            Restorer restorer = method == Method.XPSR ? Methods.loadXpsr(this) : Methods.loadBaseline(this);
            return new Upscaler(method, restorer, concurrency, threads);
        }

        Optional<Path> baselineFolder() {
            return Optional.ofNullable(baselineModels);
        }
    }
}
