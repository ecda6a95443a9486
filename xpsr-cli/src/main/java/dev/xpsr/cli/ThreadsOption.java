package dev.xpsr.cli;

import dev.xpsr.torch.NativeStartup;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code --threads}, shared by every command that computes. A command owns its process, so it sets the count there. */
final class ThreadsOption {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--threads", paramLabel = "N",
            description = "ATen intra-op threads per worker (default: the available cores, divided among the "
                    + "command's workers).")
    Integer threads;

    /** The chosen count, or the available cores divided among {@code workers} (at least 1). */
    int resolve(int workers) {
        if (threads != null && threads < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--threads must be at least 1, got "
                    + threads);
        }
        int cores = Runtime.getRuntime().availableProcessors();
        return threads != null ? threads : Math.max(1, cores / Math.max(1, workers));
    }

    /** Starts the engine with {@link #resolve} threads for this process; returns the count. */
    int start(int workers) {
        int n = resolve(workers);
        NativeStartup.ensureStarted(n);
        return n;
    }
}
