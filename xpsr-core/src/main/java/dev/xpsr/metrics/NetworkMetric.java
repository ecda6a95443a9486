package dev.xpsr.metrics;

import dev.xpsr.io.RgbImage;
import dev.xpsr.torch.Placement;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.util.List;

/**
 * A metric computed by a network on libtorch: each chunk of same-size images is stacked, placed like the network
 * and run through {@link #batchScores} in inference mode; the chunk's tensors are freed with it.
 */
abstract class NetworkMetric extends BatchedMetric {
    private final Placement placement;

    /**
     * @param batch     the most images run through the network at once
     * @param placement the device and precision of the network, which the images are moved to
     */
    NetworkMetric(String name, boolean higherIsBetter, boolean needsReference, int batch, Placement placement) {
        super(name, higherIsBetter, needsReference, batch);
        this.placement = placement;
    }

    @Override
    final double[] scoreChunk(List<RgbImage> images, List<RgbImage> references, int[] chunk) {
        try (AutoCloseable mode = Torch.inferenceMode(); PointerScope scope = new PointerScope()) {
            Tensor a = placement.place(ImagePairs.stack(images, chunk));
            Tensor b = references == null ? null : placement.place(ImagePairs.stack(references, chunk));
            return Torch.toDoubles(batchScores(a, b));
        } catch (Exception e) {
            // AutoCloseable.close() declares Exception; the network itself throws only unchecked ones
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
    }

    /**
     * The scores (N) of a batch, or (for a batch of one) a 0-d score.
     *
     * @param images     (N, 3, H, W) RGB in [0, 1], placed like the network
     * @param references the same for the ground truths; null for a no-reference metric
     */
    abstract Tensor batchScores(Tensor images, Tensor references);
}
