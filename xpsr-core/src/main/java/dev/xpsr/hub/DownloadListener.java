package dev.xpsr.hub;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Progress of downloads, so a command line can draw progress bars; the library itself never prints. Calls come
 * on the downloading thread, in order: {@code fileStarted}, any number of {@code bytesTransferred} (and
 * {@code retrying} when the connection fails), then {@code fileFinished}. Files served from the cache produce
 * no calls. Sizes are -1 when the hub did not announce them.
 */
public interface DownloadListener {
    /** A listener that ignores everything. */
    DownloadListener NONE = new DownloadListener() {
    };

    /**
     * A file's download begins.
     *
     * @param resumedBytes bytes already on disk from an interrupted download, which are not fetched again
     */
    default void fileStarted(String repoId, String file, long totalBytes, long resumedBytes) {
    }

    /** {@code doneBytes} of the file are on disk (resumed bytes included). */
    default void bytesTransferred(String file, long doneBytes, long totalBytes) {
    }

    /** The file is verified and in the cache at {@code localFile}. */
    default void fileFinished(String file, Path localFile) {
    }

    /**
     * A request failed transiently and is tried again after {@code delay}.
     *
     * @param request method and URL (never a token)
     * @param retry   1 for the first retry
     */
    default void retrying(String request, int retry, int maxRetries, Duration delay, String reason) {
    }
}
