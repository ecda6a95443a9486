package dev.xpsr.spark;

import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.util.Progressable;

import java.io.File;
import java.io.FileNotFoundException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The local disk under another scheme, {@code flaky:}, so the jobs treat it as a remote file system (staged reads
 * and writes), with one planted fault: once {@link #failNthTemporaryFile armed}, the n-th hidden temporary file
 * created breaks after {@value #BYTES_BEFORE_FAILURE} bytes, as a disk or network failure would in the middle of
 * writing an output. File statuses are plain ones: the local file system's own read permissions through a
 * {@code file:} URI, which this scheme is not.
 */
public final class FlakyFileSystem extends RawLocalFileSystem {
    static final String SCHEME = "flaky";
    static final int BYTES_BEFORE_FAILURE = 100;

    private static final AtomicInteger UNTIL_FAILURE = new AtomicInteger(-1);
    private static final AtomicInteger FAILURES = new AtomicInteger();

    /** Breaks the {@code n}-th temporary file created from now on (1 = the next one), once. */
    static void failNthTemporaryFile(int n) {
        FAILURES.set(0);
        UNTIL_FAILURE.set(n);
    }

    /** How many writes broke since the last arming. */
    static int failures() {
        return FAILURES.get();
    }

    /** {@code flaky:///the/local/path}. */
    static String uri(java.nio.file.Path local) {
        return SCHEME + "://" + local.toAbsolutePath();
    }

    @Override
    public URI getUri() {
        return URI.create(SCHEME + ":///");
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }

    @Override
    public FileStatus getFileStatus(Path f) throws IOException {
        File file = pathToFile(f);
        if (!file.exists()) {
            throw new FileNotFoundException(f + " does not exist");
        }
        return status(file, makeQualified(f));
    }

    @Override
    public FileStatus[] listStatus(Path f) throws IOException {
        File dir = pathToFile(f);
        String[] names = dir.list();
        if (names == null) {
            return new FileStatus[] {getFileStatus(f)};
        }
        FileStatus[] out = new FileStatus[names.length];
        for (int i = 0; i < names.length; i++) {
            out[i] = status(new File(dir, names[i]), makeQualified(new Path(f, names[i])));
        }
        return out;
    }

    private FileStatus status(File file, Path qualified) {
        return new FileStatus(file.length(), file.isDirectory(), 1, getDefaultBlockSize(qualified),
                file.lastModified(), qualified);
    }

    @Override
    public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication, long blockSize,
                                     Progressable progress) throws IOException {
        FSDataOutputStream out = super.create(f, overwrite, bufferSize, replication, blockSize, progress);
        if (f.getName().startsWith(".") && f.getName().endsWith(".tmp") && UNTIL_FAILURE.decrementAndGet() == 0) {
            FAILURES.incrementAndGet();
            return new FSDataOutputStream(new BreaksAfter(out, BYTES_BEFORE_FAILURE), null);
        }
        return out;
    }

    /** A stream that fails once {@code limit} bytes have gone through. */
    private static final class BreaksAfter extends FilterOutputStream {
        private long left;

        BreaksAfter(OutputStream out, long limit) {
            super(out);
            left = limit;
        }

        @Override
        public void write(int b) throws IOException {
            if (left-- <= 0) {
                throw new IOException("planted failure: the connection broke while writing");
            }
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            for (int i = 0; i < len; i++) {
                write(b[off + i]);
            }
        }
    }
}
