package dev.xpsr.cli;

import dev.xpsr.util.BundledData;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --models}: where the baseline networks (Real-ESRGAN, RDN) are, shared by the commands that restore. */
final class BaselineModelsOption {
    @Option(names = "--models", paramLabel = "DIR",
            description = "Folder of the baseline networks (default: the repository's fixtures/data/models).")
    Path models;

    /** The folder given, else the bundled one. */
    Path folder() {
        return models != null ? models : BundledData.models();
    }
}
