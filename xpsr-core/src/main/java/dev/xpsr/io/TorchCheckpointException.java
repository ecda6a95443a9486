package dev.xpsr.io;

import java.nio.file.Path;

/**
 * A PyTorch pickle checkpoint ({@code torch.save} file such as {@code diffusion_pytorch_model.bin}) that cannot be
 * loaded: damaged, truncated, in an unsupported layout, or holding more than a plain state dict of tensors.
 *
 * <p>The message starts with the file, then the state-dict key where one is involved, then what is wrong and
 * what to do, so that it can be shown to a user as is (the same shape as {@link SafetensorsFormatException}).
 */
public final class TorchCheckpointException extends WeightFileException {
    private static final long serialVersionUID = 1L;

    /** The way out for every file this loader refuses. */
    public static final String CONVERT = "convert the checkpoint to safetensors in Python (safetensors.torch.save_file("
            + "torch.load(path, weights_only=True), ...)) and load that instead";

    /**
     * @param file the offending file
     * @param key the offending state-dict key, or null when the problem is not about one entry
     * @param problem what is wrong and what to do, without the file and key (they are prepended)
     */
    public TorchCheckpointException(Path file, String key, String problem) {
        this(file, key, problem, null);
    }

    /** As {@link #TorchCheckpointException(Path, String, String)}, keeping the underlying cause. */
    public TorchCheckpointException(Path file, String key, String problem, Throwable cause) {
        super(file, "entry", key, problem, cause);
    }
}
