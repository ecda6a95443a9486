package dev.xpsr.metrics;

import dev.xpsr.io.RgbImage;
import dev.xpsr.nn.WeightLoader;
import dev.xpsr.nn.WeightSource;
import dev.xpsr.torch.Placement;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;
import java.util.List;

/**
 * Fréchet Inception Distance between a set of images and a reference set (lower is better), as pyiqa 0.1.10's
 * {@code fid} computes it between two folders: each image becomes a 2048-d {@link InceptionV3} pool feature
 * (the TensorFlow-ported weights {@code pt_inception-2015-12-05-6726825d.pth} of pytorch-fid), each set is
 * summarised by its mean (float32, as numpy takes it of float32 features) and unbiased covariance (float64), and
 * the {@link FrechetDistance} of the two Gaussians, with scipy's matrix square root, is the score. The input
 * preparation is pyiqa's {@code mode} argument, {@link FidMode#CLEAN} (clean-fid) by default. The network runs in
 * batches; its batch norms use stored statistics, so batching does not change a feature.
 */
public final class Fid implements DistributionMetric {
    private static final int BATCH = 8;

    private final InceptionV3 network;
    private final FidMode mode;
    private final Placement placement;
    private final String source;

    private Fid(InceptionV3 network, FidMode mode, Placement placement, String source) {
        this.network = network;
        this.mode = mode;
        this.placement = placement;
        this.source = source;
    }

    /** The full-size network from the FID Inception weights (its classifier {@code fc.*} is ignored). */
    public static Fid load(List<WeightSource> files, FidMode mode, Placement placement) {
        return load(files, mode, placement, 1);
    }

    /**
     * A network whose channel counts are divided by {@code divisor} (1 = the real one; tests use narrow copies),
     * from weights with the reference's key names.
     */
    static Fid load(List<WeightSource> files, FidMode mode, Placement placement, int divisor) {
        WeightSource merged = WeightViews.merged(files, Fid::rename);
        InceptionV3 network = new InceptionV3(divisor);
        WeightLoader.load(network, merged);
        network.to(placement);
        return new Fid(network, mode, placement, merged.describe());
    }

    /** Drops what the extractor does not use: the classifier and batch-norm step counters. */
    private static String rename(String key) {
        String k = WeightViews.withoutDataParallelPrefix(key);
        return k.startsWith("fc.") || k.endsWith(".num_batches_tracked") ? null : k;
    }

    @Override
    public String name() {
        return "fid";
    }

    @Override
    public String description() {
        return "FID (Inception-v3 pool features, " + network.featureCount() + "-d), as pyiqa 0.1.10 fid mode='"
                + mode.pyiqaName() + "' (" + mode.summary() + "); weights " + source;
    }

    @Override
    public boolean higherIsBetter() {
        return false;
    }

    /** The input preparation used. */
    public FidMode mode() {
        return mode;
    }

    @Override
    public double score(List<RgbImage> images, List<RgbImage> references) {
        FrechetDistance.Statistics a = FrechetDistance.statistics(features(images));
        FrechetDistance.Statistics b = FrechetDistance.statistics(features(references));
        return FrechetDistance.distance(a, b);
    }

    /**
     * The pool feature of every image, (n, featureCount), float32 as the network gives it (pyiqa's numpy
     * statistics start from float32 features), computed in batches of {@value #BATCH}.
     */
    public float[][] features(List<RgbImage> images) {
        float[][] out = new float[images.size()][];
        for (int from = 0; from < images.size(); from += BATCH) {
            int to = Math.min(from + BATCH, images.size());
            try (AutoCloseable mode = Torch.inferenceMode(); PointerScope scope = new PointerScope()) {
                Tensor[] inputs = new Tensor[to - from];
                for (int i = from; i < to; i++) {
                    inputs[i - from] = this.mode.input(images.get(i));
                }
                Tensor f = forward(placement.place(Torch.cat(0, inputs)));
                int d = network.featureCount();
                float[] flat = Torch.toFloats(f);
                for (int i = from; i < to; i++) {
                    out[i] = Arrays.copyOfRange(flat, (i - from) * d, (i - from + 1) * d);
                }
            } catch (Exception e) {
                throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
            }
        }
        return out;
    }

    /** Pool features (N, featureCount) of (N, 3, 299, 299) inputs in [−1, 1], placed like the network. */
    public Tensor forward(Tensor inputs) {
        return network.forward(inputs);
    }
}
