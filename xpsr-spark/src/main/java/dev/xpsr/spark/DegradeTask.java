package dev.xpsr.spark;

import dev.xpsr.degrade.TrainingSetWriter;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.ThreadCount;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;

import java.io.Serial;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Makes one partition's training pairs on an executor with xpsr-core's own per-image routine
 * ({@link TrainingSetWriter#process}, what {@code xpsr degrade} runs per image), so the files are those of the
 * single-process command: same layout, same seeds, same bytes for the same ATen thread count. The routine never
 * throws for a bad image; it reports it in the outcome.
 */
final class DegradeTask implements FlatMapFunction<Iterator<DegradeTask.Item>, DegradeTask.Outcome> {
    @Serial
    private static final long serialVersionUID = 1L;

    /** An HR file as {@link TrainingSetWriter#findSources} found it on the driver. */
    record Item(String file, String name, String conflictsWith) implements Serializable {
        @Serial
        private static final long serialVersionUID = 1L;

        static Item of(TrainingSetWriter.Source s) {
            return new Item(s.file().toString(), s.name(), s.conflictsWith() == null ? null
                    : s.conflictsWith().toString());
        }

        TrainingSetWriter.Source source() {
            return new TrainingSetWriter.Source(Path.of(file), name, conflictsWith == null ? null
                    : Path.of(conflictsWith));
        }
    }

    /** What became of one HR file, as {@link TrainingSetWriter.Outcome} says it. */
    record Outcome(Item item, TrainingSetWriter.Status status, int written, int existing, String detail)
            implements Serializable {
        @Serial
        private static final long serialVersionUID = 1L;

        TrainingSetWriter.Outcome asWriterOutcome() {
            return new TrainingSetWriter.Outcome(item.source(), status, written, existing, detail);
        }
    }

    private final DegradeSettings settings;

    DegradeTask(DegradeSettings settings) {
        this.settings = settings;
    }

    @Override
    public Iterator<Outcome> call(Iterator<Item> items) {
        NativeStartup.ensureStarted();
        ThreadCount.setForCurrentThread(settings.threads() > 0 ? settings.threads() : TaskContext.get().cpus());
        TrainingSetWriter writer = settings.writer();
        List<Outcome> out = new ArrayList<>();
        while (items.hasNext()) {
            Item item = items.next();
            TrainingSetWriter.Outcome o = writer.process(item.source());
            out.add(new Outcome(item, o.status(), o.written(), o.existing(), o.detail()));
        }
        return out.iterator();
    }
}
