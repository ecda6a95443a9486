package dev.xpsr.torch;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.presets.openblas_nolapack;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The one start-up routine every entry point (CLI, tests, servers) runs before touching any torch class.
 *
 * <p>It cures the two traps of the Bytedeco libtorch build described in docs/ENGINE.md:
 * <ol>
 *   <li>With an empty JavaCPP cache, {@code libtorch.so} is opened before {@code libtorch_cpu.so} has been
 *       extracted and the JVM dies with SIGSEGV in the dispatcher. Extracting the whole platform folder first
 *       avoids it.</li>
 *   <li>OpenBLAS's own thread pool fights ATen's intra-op pool (fused attention went from 0.14 s to 12.5 s).
 *       BLAS gets one thread; ATen gets the requested number.</li>
 * </ol>
 * Idempotent: later calls only change the ATen thread count.
 */
public final class NativeStartup {
    private static final Logger LOG = LoggerFactory.getLogger(NativeStartup.class);
    private static boolean loaded;

    private NativeStartup() {
    }

    /**
     * Starts the engine, if not yet started, with as many ATen threads as there are available cores; a running
     * engine keeps the thread count it was given (library code calls this, and must not undo a --threads choice).
     */
    public static synchronized void ensureStarted() {
        if (!loaded) {
            ensureStarted(Runtime.getRuntime().availableProcessors());
        }
    }

    /**
     * Starts the engine (once) and sets the ATen intra-op thread count.
     *
     * @param threads ATen intra-op threads, at least 1
     */
    public static synchronized void ensureStarted(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        if (!loaded) {
            extractNatives();
            Loader.load(openblas_nolapack.class);
            openblas_nolapack.blas_set_num_threads(1);
            Loader.load(org.bytedeco.pytorch.global.torch.class);
            loaded = true;
            LOG.debug("libtorch loaded from the JavaCPP cache");
        }
        org.bytedeco.pytorch.global.torch.set_num_threads(threads);
    }

    /** Number of ATen intra-op threads in use. */
    public static int threads() {
        ensureStarted();
        return org.bytedeco.pytorch.global.torch.get_num_threads();
    }

    private static void extractNatives() {
        String folder = "/org/bytedeco/pytorch/" + Loader.getPlatform() + "/";
        try {
            Loader.cacheResources(folder);
        } catch (IOException e) {
            throw new UncheckedIOException("could not extract the libtorch natives (" + folder
                    + ") into the JavaCPP cache " + cacheDirHint() + "; check disk space and permissions", e);
        }
    }

    private static String cacheDirHint() {
        String dir = System.getProperty("org.bytedeco.javacpp.cachedir");
        return dir != null ? dir : System.getProperty("user.home") + "/.javacpp/cache";
    }
}
