package dev.xpsr.metrics;

import dev.xpsr.io.RgbImage;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.util.List;

/**
 * The settings PSNR and SSIM share (which {@link Convention} they reproduce, Y or RGB, crop border, the luma of
 * pyiqa's Y) and what follows from them: the name ({@code psnr} / {@code psnr-rgb}), the description, and scoring
 * on the CPU, full-reference, higher is better. Subclasses compute the values of a batch.
 */
abstract class FidelityMetric extends BatchedMetric {
    final Convention convention;
    final boolean yChannel;
    final int cropBorder;
    final ColorSpace colorSpace;
    private final String label;

    /**
     * @param name  the name on Y; RGB appends {@code -rgb}
     * @param label how the description names the metric, e.g. {@code PSNR (dB)}
     * @param batch the most images stacked into one batch
     */
    FidelityMetric(String name, String label, int batch, Convention convention, boolean yChannel, int cropBorder,
            ColorSpace colorSpace) {
        super(yChannel ? name : name + "-rgb", HIGHER_IS_BETTER, FULL_REFERENCE, batch);
        if (cropBorder < 0) {
            throw new IllegalArgumentException("crop border must be >= 0, got " + cropBorder);
        }
        this.label = label;
        this.convention = convention;
        this.yChannel = yChannel;
        this.cropBorder = cropBorder;
        this.colorSpace = colorSpace;
    }

    /** The reference tool whose conventions this metric reproduces. */
    public final Convention convention() {
        return convention;
    }

    @Override
    public final String description() {
        String channel = !yChannel ? "RGB"
                : convention == Convention.PYIQA && colorSpace == ColorSpace.YIQ ? "Y of YIQ" : "Y of BT.601 YCbCr";
        return label + " on " + channel + ", crop border " + cropBorder + "; " + convention.description();
    }

    @Override
    final double[] scoreChunk(List<RgbImage> images, List<RgbImage> references, int[] chunk) {
        try (PointerScope scope = new PointerScope()) {
            return compute(ImagePairs.stack(images, chunk), ImagePairs.stack(references, chunk));
        }
    }

    /** The metric of each image of two float32 (N, 3, H, W) u8/255 batches. */
    abstract double[] compute(Tensor image, Tensor reference);
}
