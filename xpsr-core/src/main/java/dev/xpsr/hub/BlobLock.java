package dev.xpsr.hub;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Exclusive right to download one blob, on {@code .locks/models--org--name/{etag}.lock} as huggingface_hub
 * does, so two downloads never append to the same {@code .incomplete} file.
 *
 * <p>Two levels: a lock per file within this JVM (the OS lock belongs to the whole process, and Java refuses a
 * second one from the same process), then an OS lock ({@code fcntl}) against other Java processes. Python's
 * {@code filelock} uses {@code flock}, which on Linux does not see {@code fcntl} locks, so a Java and a Python
 * process downloading the same blob at the same moment are not kept apart.
 */
final class BlobLock implements AutoCloseable {
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

    private final ReentrantLock inProcess;
    private final FileChannel channel;
    private final FileLock fileLock;

    private BlobLock(ReentrantLock inProcess, FileChannel channel, FileLock fileLock) {
        this.inProcess = inProcess;
        this.channel = channel;
        this.fileLock = fileLock;
    }

    /** Blocks until the lock is held. */
    static BlobLock acquire(Path lockFile) throws IOException {
        ReentrantLock local = IN_PROCESS.computeIfAbsent(lockFile.toAbsolutePath().normalize(),
                k -> new ReentrantLock());
        local.lock();
        FileChannel channel = null;
        try {
            Files.createDirectories(lockFile.getParent());
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            return new BlobLock(local, channel, channel.lock());
        } catch (IOException | RuntimeException | Error e) {
            if (channel != null) {
                channel.close();
            }
            local.unlock();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            fileLock.release();
            channel.close();
        } finally {
            inProcess.unlock();
        }
    }
}
