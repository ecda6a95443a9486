package dev.xpsr.hub;

import dev.xpsr.hub.HubErrors.Target;
import dev.xpsr.hub.HubException.Kind;
import dev.xpsr.io.AtomicFiles;
import dev.xpsr.net.RetryPolicy;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One blob's download, as huggingface_hub's resumable {@code hf_hub_download} / {@code http_get} does it:
 *
 * <ol>
 *   <li>bytes go to {@code blobs/{etag}.incomplete}; if that file exists, the request asks for the rest with
 *       {@code Range: bytes=N-} and appends on {@code 206}; a {@code 200} means the server ignored the range,
 *       so the file is restarted;</li>
 *   <li>a connection cut mid-body is resumed the same way, up to the retry policy's count of failures in a
 *       row and within its budget (a failure after new bytes arrived starts a new series, as Python resets its
 *       counter); when they run out the partial file is kept for the next run;</li>
 *   <li>the finished file must have the announced size and, when the ETag is a 64-hex sha256 (LFS), that hash
 *       (huggingface_hub 0.20 checks only the size); a bad file is deleted, never installed;</li>
 *   <li>then it is renamed to {@code blobs/{etag}} in one step.</li>
 * </ol>
 */
final class BlobDownload {
    private static final int BUFFER_BYTES = 1 << 16;
    private static final Pattern CONTENT_RANGE_START = Pattern.compile("bytes\\s+(\\d+)-");

    private final HubHttp http;
    private final HubErrors errors;
    private final DownloadListener listener;
    private final Duration readTimeout;

    BlobDownload(HubHttp http, HubErrors errors, DownloadListener listener, Duration readTimeout) {
        this.http = http;
        this.errors = errors;
        this.listener = listener;
        this.readTimeout = readTimeout;
    }

    /** Downloads (or resumes) into {@code part}, checks it and renames it to {@code blob}. */
    void run(Target target, FileMetadata meta, Path part, Path blob) throws IOException {
        Files.createDirectories(part.getParent());
        listener.fileStarted(target.repo().id(), target.file(), meta.size(), usablePartial(part, meta.size()));
        fetch(target, meta, part);
        verify(target, meta, part);
        AtomicFiles.move(part, blob);
    }

    private void fetch(Target target, FileMetadata meta, Path part) throws IOException {
        RetryPolicy.Attempts attempts = http.retryPolicy().start();
        while (true) {
            long have = usablePartial(part, meta.size());
            if (have == meta.size() && Files.exists(part)) {
                return; // an earlier run received everything but stopped before the rename
            }
            checkSpace(target, part, meta.size() - have);
            try {
                transfer(target, meta, part, have);
                return;
            } catch (HubException e) {
                throw e;
            } catch (IOException e) {
                if (Thread.currentThread().isInterrupted()) {
                    throw e;
                }
                if (Files.exists(part) && Files.size(part) > have) {
                    attempts.progressed();
                }
                if (!RetryPolicy.isRetryable(e)) {
                    throw interrupted(target, part, attempts.failures() + 1, e);
                }
                Duration wait = attempts.next(null);
                if (wait == null) {
                    throw interrupted(target, part, attempts.failures(), e);
                }
                http.pause("GET " + HubHttp.describe(meta.location()), attempts, wait, e.toString());
            }
        }
    }

    private void transfer(Target target, FileMetadata meta, Path part, long have) throws IOException {
        try (HubHttp.Response r = http.get(meta.location(), have, readTimeout)) {
            long start = startOffset(r, target, part, have);
            long announced = r.contentLength();
            try (InputStream in = r.body(); OutputStream out = openPart(part, start)) {
                long received = copy(in, out, target.file(), start, meta.size());
                // A closed connection may look like a normal end of stream: compare with what was promised.
                if ((announced >= 0 && received < announced) || (meta.size() >= 0 && start + received < meta.size())) {
                    throw new EOFException("connection closed after " + (start + received) + " of "
                            + (meta.size() >= 0 ? meta.size() : start + announced) + " bytes");
                }
            }
        }
    }

    /** Where the answer's bytes go in the file; restarts (via a retryable failure) when they cannot go on. */
    private long startOffset(HubHttp.Response r, Target target, Path part, long have) throws IOException {
        int status = r.status();
        if (status == 200) {
            return 0;
        }
        if (status == 206) {
            long start = contentRangeStart(r.header("Content-Range"));
            if (start == have) {
                return have;
            }
            Files.deleteIfExists(part);
            throw new IOException("the server resumed at byte " + start + " instead of " + have + "; starting over");
        }
        if (status == 416 && have > 0) {
            Files.deleteIfExists(part);
            throw new IOException("the server refused to resume at byte " + have + "; starting over");
        }
        throw errors.forResponse(r, target);
    }

    private long copy(InputStream in, OutputStream out, String file, long start, long total) throws IOException {
        byte[] buffer = new byte[BUFFER_BYTES];
        long received = 0;
        for (int n; (n = in.read(buffer)) != -1; ) {
            out.write(buffer, 0, n);
            received += n;
            listener.bytesTransferred(file, start + received, total);
        }
        return received;
    }

    private static OutputStream openPart(Path part, long start) throws IOException {
        return start == 0
                ? Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE)
                : Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** Bytes of an earlier attempt worth resuming from; a partial file larger than the blob is discarded. */
    private static long usablePartial(Path part, long expected) throws IOException {
        if (!Files.exists(part)) {
            return 0;
        }
        long size = Files.size(part);
        if (expected >= 0 && size > expected) {
            Files.delete(part);
            return 0;
        }
        return size;
    }

    private void verify(Target target, FileMetadata meta, Path part) throws IOException {
        long size = Files.size(part);
        if (meta.size() >= 0 && size != meta.size()) {
            Files.delete(part);
            throw new HubException(Kind.INTEGRITY, "Download of " + target.describe() + " has " + size
                    + " bytes where the hub announced " + meta.size() + "; the file was deleted, run again.");
        }
        if (meta.isSha256()) {
            String actual = sha256(part);
            if (!actual.equals(meta.etag())) {
                Files.delete(part);
                throw new HubException(Kind.INTEGRITY, "Download of " + target.describe() + " is corrupt: its"
                        + " sha256 is " + actual + " where the hub announced " + meta.etag()
                        + "; the file was deleted, run again.");
            }
        }
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) != -1; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static void checkSpace(Target target, Path part, long needed) throws IOException {
        long free;
        try {
            free = Files.getFileStore(part.getParent()).getUsableSpace();
        } catch (IOException e) {
            return; // free space unknown: let the writes themselves fail if they must
        }
        if (needed > 0 && free < needed) {
            throw new HubException(Kind.DISK_SPACE, "Not enough disk space for " + target.describe() + ": it needs "
                    + megabytes(needed) + " more and " + part.getParent() + " has " + megabytes(free)
                    + " free. Free some space, or set HF_HUB_CACHE to a folder on a larger disk.");
        }
    }

    private static HubException interrupted(Target target, Path part, int failures, IOException cause)
            throws IOException {
        long kept = Files.exists(part) ? Files.size(part) : 0;
        return new HubException(Kind.NETWORK, -1, "Download of " + target.describe() + " failed " + failures
                + (failures == 1 ? " time" : " times in a row") + " (" + cause + "); the " + kept
                + " bytes received are kept in " + part + " and the next run resumes from there.", cause);
    }

    private static long contentRangeStart(String contentRange) {
        Matcher m = contentRange == null ? null : CONTENT_RANGE_START.matcher(contentRange);
        return m != null && m.lookingAt() ? Long.parseLong(m.group(1)) : -1;
    }

    private static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
