package dev.xpsr.cli;

import dev.xpsr.hub.DownloadListener;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

/** One progress bar per downloaded file; retries are reported as a line each. */
final class DownloadProgress implements DownloadListener, AutoCloseable {
    private final PrintStream err;
    private ProgressBar bar;

    DownloadProgress(PrintStream err) {
        this.err = err;
    }

    @Override
    public void fileStarted(String repoId, String file, long totalBytes, long resumedBytes) {
        close();
        bar = new ProgressBarBuilder().setTaskName(file).setInitialMax(Math.max(totalBytes, 0))
                .setUnit("MB", 1_000_000).showSpeed().setStyle(ProgressBarStyle.ASCII)
                .startsFrom(resumedBytes, Duration.ZERO).build();
    }

    @Override
    public void bytesTransferred(String file, long doneBytes, long totalBytes) {
        if (bar != null) {
            bar.stepTo(doneBytes);
        }
    }

    @Override
    public void fileFinished(String file, Path localFile) {
        close();
    }

    @Override
    public void retrying(String request, int retry, int maxRetries, Duration delay, String reason) {
        err.printf("retry %d/%d in %d s: %s (%s)%n", retry, maxRetries, delay.toSeconds(), request, reason);
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
