package dev.xpsr.hub;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps every progress event, for assertions. */
final class RecordingListener implements DownloadListener {
    final List<String> started = new CopyOnWriteArrayList<>();
    final List<String> finished = new CopyOnWriteArrayList<>();
    final List<String> retries = new CopyOnWriteArrayList<>();
    final List<long[]> progress = new CopyOnWriteArrayList<>();

    @Override
    public void fileStarted(String repoId, String file, long totalBytes, long resumedBytes) {
        started.add(repoId + ":" + file + ":" + totalBytes + ":" + resumedBytes);
    }

    @Override
    public void bytesTransferred(String file, long doneBytes, long totalBytes) {
        progress.add(new long[] {doneBytes, totalBytes});
    }

    @Override
    public void fileFinished(String file, Path localFile) {
        finished.add(file);
    }

    @Override
    public void retrying(String request, int retry, int maxRetries, Duration delay, String reason) {
        retries.add(retry + "/" + maxRetries + " " + request + " " + reason);
    }

    long[] lastProgress() {
        return progress.get(progress.size() - 1);
    }
}
