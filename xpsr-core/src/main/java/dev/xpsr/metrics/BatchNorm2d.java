package dev.xpsr.metrics;

import dev.xpsr.nn.Module;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

/**
 * {@code nn.BatchNorm2d} as evaluation uses it: the stored running statistics, never batch statistics, so an
 * image's score does not depend on the other images of its batch. State-dict keys {@code weight}, {@code bias},
 * {@code running_mean}, {@code running_var} (a {@code num_batches_tracked} counter is not needed and is dropped by
 * the callers).
 */
final class BatchNorm2d extends Module {
    private final Tensor weight;
    private final Tensor bias;
    private final Tensor runningMean;
    private final Tensor runningVar;
    private final double eps;

    BatchNorm2d(long channels, double eps) {
        this.eps = eps;
        this.weight = parameter("weight", channels);
        this.bias = parameter("bias", channels);
        this.runningMean = buffer("running_mean", Torch.zeros(channels));
        this.runningVar = buffer("running_var", Torch.ones(channels));
    }

    Tensor forward(Tensor x) {
        return Torch.batchNormEval(x, weight, bias, runningMean, runningVar, eps);
    }
}
