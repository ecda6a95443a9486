package dev.xpsr.spark;

import dev.xpsr.api.UpscaleRequest;
import dev.xpsr.api.UpscaleResult;
import dev.xpsr.api.Upscaler;
import dev.xpsr.io.RgbImage;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;

import java.io.IOException;
import java.io.Serial;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Restores one partition's images on an executor with the executor's shared {@link Upscaler} (built by its first
 * task, {@link ExecutorResources}), one row per image. An image that cannot be read or restored is a failed row. An
 * output that cannot be written is the storage's problem, not the image's: it fails the task, Spark retries it, and
 * the retry writes every output of the partition again with the same bytes.
 */
final class UpscaleTask implements FlatMapFunction<Iterator<UpscaleItem>, Row> {
    @Serial
    private static final long serialVersionUID = 1L;

    private final UpscaleSettings settings;
    private final HadoopConf conf;

    UpscaleTask(UpscaleSettings settings, HadoopConf conf) {
        this.settings = settings;
        this.conf = conf;
    }

    @Override
    public Iterator<Row> call(Iterator<UpscaleItem> items) throws Exception {
        TaskSlots slots = TaskSlots.of(SparkEnv.get().conf());
        int threads = settings.threads() > 0 ? settings.threads() : slots.taskCpus();
        UpscalerSpec.OnExecutor spec = new UpscalerSpec.OnExecutor(settings.model(),
                TaskDevice.resolve(settings.model().device()), threads, slots.concurrent());
        int attempt = TaskContext.get().attemptNumber();
        List<Row> rows = new ArrayList<>();
        try (ExecutorResources.Lease<Upscaler> upscaler = ExecutorResources.shared(spec, spec::build)) {
            while (items.hasNext()) {
                rows.add(restore(upscaler.get(), items.next(), attempt));
            }
        }
        return rows.iterator();
    }

    private Row restore(Upscaler upscaler, UpscaleItem item, int attempt) throws IOException {
        String method = settings.model().method().id();
        long start = System.nanoTime();
        RgbImage lr;
        try {
            lr = HadoopFiles.readImage(item.input(), conf.get(), settings.readOptions());
        } catch (IOException e) {
            return UpscaleRows.failed(item, method, message(e), new UpscaleRows.Timings(since(start), null, null),
                    attempt);
        }
        double read = since(start);
        long restoring = System.nanoTime();
        UpscaleResult result;
        try {
            result = upscaler.upscale(request(item, lr));
        } catch (RuntimeException e) {
            return UpscaleRows.failed(item, method, item.input() + ": " + message(e),
                    new UpscaleRows.Timings(read, since(restoring), null), attempt);
        }
        double restore = since(restoring);
        long writing = System.nanoTime();
        HadoopFiles.writePng(item.output(), result.image(), result.textChunks(), conf.get());
        return UpscaleRows.written(item, method, result, new UpscaleRows.Timings(read, restore, since(writing)),
                attempt);
    }

    /** The job's settings with the image's own seed and, from the manifest, its own prompts. */
    private UpscaleRequest request(UpscaleItem item, RgbImage lr) {
        String name = UpscaleInputs.outputName(item.relative());
        UpscaleRequest.Builder b = settings.model().prompts().apply(UpscaleRequest.builder(lr)
                .name(name.substring(0, name.length() - ".png".length())).from(settings.options())
                .seed(item.seed()));
        if (item.caption() != null) {
            b.caption(item.caption());
        }
        if (item.lowlevelPrompt() != null) {
            b.lowlevelPrompt(item.lowlevelPrompt());
        }
        return b.build();
    }

    private static String message(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static double since(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
