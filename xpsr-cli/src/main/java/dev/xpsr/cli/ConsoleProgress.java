package dev.xpsr.cli;

import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintWriter;

/** An ASCII progress bar on the error stream (stdout stays clean for the report), closed with a newline. */
final class ConsoleProgress implements AutoCloseable {
    private final ProgressBar bar;
    private final PrintWriter err;

    ConsoleProgress(PrintWriter err, String task, long max) {
        this.err = err;
        DelegatingProgressBarConsumer console = new DelegatingProgressBarConsumer(line -> {
            err.print('\r' + line);
            err.flush();
        }, 100);
        this.bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setStyle(ProgressBarStyle.ASCII)
                .setConsumer(console).setUpdateIntervalMillis(500).build();
    }

    /** One more unit done, with a short note (e.g. the file). */
    void step(String note) {
        bar.step();
        bar.setExtraMessage(note.length() > 40 ? "…" + note.substring(note.length() - 39) : note);
    }

    @Override
    public void close() {
        bar.close();
        err.println();
        err.flush();
    }
}
