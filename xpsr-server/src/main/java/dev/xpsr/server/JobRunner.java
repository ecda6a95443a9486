package dev.xpsr.server;

import dev.xpsr.api.Progress;
import dev.xpsr.api.UpscaleException;
import dev.xpsr.api.UpscaleJob;
import dev.xpsr.api.UpscaleResult;
import dev.xpsr.api.Upscaler;
import dev.xpsr.io.ImageFileException;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The job queue and its workers. A submission reserves a place in the bounded queue, writes the upload, commits the
 * job's row and only then enters the in-memory queue, so every job a client was told about is on disk. Each worker
 * takes the oldest job, claims it in the database (a job cancelled meanwhile is skipped), decodes the upload, runs
 * it on the method's shared {@link Upscaler}, writes the result atomically and records the outcome.
 *
 * <p>Stopping puts the running jobs back in the queue (they run again at the next start; a job cut by a killed
 * process is put back by {@link JobStore#recover} instead); only a client's cancel makes a job {@code cancelled}.
 * Decoded images exist only for running jobs, so memory does not grow with the queue.
 */
final class JobRunner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);
    /** Tells a worker waiting for a job to end (no job id is empty). */
    private static final String STOP = "";
    private final JobStore store;
    private final JobFiles files;
    private final ServedMethods methods;
    private final JobEvents events;
    private final ServerLimits limits;
    private final LinkedBlockingDeque<String> queue = new LinkedBlockingDeque<>();
    /** Jobs queued and not yet claimed or cancelled: what the capacity bounds. */
    private final AtomicInteger waiting = new AtomicInteger();
    private final Map<String, RunningJob> running = new ConcurrentHashMap<>();
    private final RecentDurations durations = new RecentDurations();
    private final List<Thread> workers = new CopyOnWriteArrayList<>();
    private volatile boolean stopping;

    JobRunner(JobStore store, JobFiles files, ServedMethods methods, JobEvents events, ServerLimits limits) {
        this.store = store;
        this.files = files;
        this.methods = methods;
        this.events = events;
        this.limits = limits;
    }

    /** Queues the jobs of the last run (in submission order), ahead of any new one. */
    void requeue(List<String> recovered) {
        waiting.addAndGet(recovered.size());
        queue.addAll(recovered);
    }

    /** Starts {@code count} workers. */
    void start(int count) {
        for (int i = 1; i <= count; i++) {
            Thread t = new Thread(this::work, "xpsr-job-worker-" + i);
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
    }

    /**
     * Accepts a job.
     *
     * @throws ApiException 429 with a retry time when the queue is full
     */
    String submit(ImageUpload upload, JobOptions options) throws IOException {
        if (waiting.incrementAndGet() > limits.queueCapacity()) {
            waiting.decrementAndGet();
            long retry = retryAfterSeconds();
            throw ApiException.busy("the job queue is full (" + limits.queueCapacity() + " jobs waiting); try again "
                    + "in about " + retry + " s", retry);
        }
        String id = JobIds.next();
        try {
            String input = files.writeInput(id, upload.bytes(), upload.extension());
            store.insert(id, upload.name(), input, options.toJson(), Instant.now());
        } catch (IOException | RuntimeException e) {
            waiting.decrementAndGet();
            files.delete(id);
            throw e;
        }
        queue.add(id);
        return id;
    }

    /** What a cancel did. */
    enum CancelOutcome { CANCELLED, STOPPING, FINISHED }

    /**
     * Cancels a queued job at once, or asks a running one to stop before its next step.
     *
     * @return {@link CancelOutcome#FINISHED} when the job had already finished
     */
    CancelOutcome cancel(String id) {
        if (store.cancelQueued(id, Instant.now())) {
            queue.remove(id);
            waiting.decrementAndGet();
            publishState(id, true);
            return CancelOutcome.CANCELLED;
        }
        RunningJob job = running.get(id);
        if (job != null && store.requestCancel(id)) {
            job.cancel();
            publishState(id, false);
            return CancelOutcome.STOPPING;
        }
        return CancelOutcome.FINISHED;
    }

    /** The live progress of a running job. */
    Optional<Progress> progress(String id) {
        RunningJob job = running.get(id);
        return job == null ? Optional.empty() : job.progress();
    }

    int waiting() {
        return waiting.get();
    }

    int running() {
        return running.size();
    }

    /** When a place in the queue is likely to free: the recent median run time over the workers, at least 1 s. */
    long retryAfterSeconds() {
        return Math.max(1, (long) Math.ceil(durations.median() / Math.max(1, workers.size())));
    }

    private void work() {
        while (!stopping) {
            String id;
            try {
                id = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (id.equals(STOP)) {
                return;
            }
            // registered before the claim, so that a cancel arriving right after the claim finds the job
            RunningJob job = new RunningJob();
            running.put(id, job);
            if (store.claim(id, Instant.now())) {
                waiting.decrementAndGet();
                run(id, job);
            } else {
                running.remove(id);
            }
        }
    }

    private void run(String id, RunningJob job) {
        if (stopping) {
            job.stop();
        }
        try {
            publishState(id, false);
            JobRecord record = store.get(id).orElseThrow();
            UpscaleResult result = restore(record, job);
            files.writeResult(id, result);
            store.done(id, result.prompts().map(JobJson::prompts).orElse(null), result.seconds(), Instant.now());
            durations.add(result.seconds());
        } catch (CancellationException e) {
            if (job.cancelRequested()) {
                store.cancelled(id, Instant.now());
            } else {
                store.requeue(id);
            }
        } catch (JobFailure | ApiException | UpscaleException | IOException e) {
            store.failed(id, e.getMessage(), Instant.now());
        } catch (RuntimeException e) {
            LOG.error("job {} failed unexpectedly", id, e);
            store.failed(id, "internal error: " + e, Instant.now());
        } finally {
            running.remove(id);
            publishState(id, true);
        }
    }

    private UpscaleResult restore(JobRecord record, RunningJob job) {
        JobOptions options = JobOptions.parse(record.options(), methods.methods(), methods.defaultMethod(), limits);
        Upscaler upscaler = methods.upscaler(options.method()).orElseThrow(() -> new JobFailure("method "
                + options.method().id() + " is not served by this server now (it was when the job was accepted)"));
        RgbImage image = decode(record);
        UpscaleJob handle = upscaler.submit(options.request(image, ImageUpload.stem(record.name()), p -> {
            job.progress(p);
            events.publish(record.id(), "progress", JobJson.progress(record.id(), p), false);
            p.preview().ifPresent(img -> events.publish(record.id(), "preview",
                    JobJson.preview(record.id(), p.step(), img), false));
        }, methods.prompts().fixedTexts()));
        job.attach(handle);
        return handle.join();
    }

    private RgbImage decode(JobRecord record) {
        try {
            return ImageFiles.read(files.input(record),
                    ImageFiles.ReadOptions.DEFAULTS.withMaxPixels(limits.maxPixels()));
        } catch (ImageFileException e) {
            throw new JobFailure("the uploaded image '" + record.name() + "' cannot be decoded: "
                    + ImageUpload.problem(e));
        }
    }

    private void publishState(String id, boolean finalIfFinished) {
        store.get(id).ifPresent(r -> {
            boolean last = finalIfFinished && r.state().finished();
            events.publish(id, "state", JobJson.job(r, progress(id)), last);
        });
    }

    /**
     * Stops taking jobs and stops the running ones, which go back to the queue; waits for the workers (at most
     * about one denoising step).
     */
    @Override
    public void close() {
        stopping = true;
        running.values().forEach(RunningJob::stop);
        // no interrupts: a worker writing a result must finish it (an interrupted file channel closes)
        workers.forEach(t -> queue.addFirst(STOP));
        for (Thread t : workers) {
            try {
                t.join(TimeUnit.MINUTES.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** A job failed for a reason its message states (shown to the client as the job's error). */
    private static final class JobFailure extends RuntimeException {
        JobFailure(String message) {
            super(message, null, false, false);
        }
    }
}
