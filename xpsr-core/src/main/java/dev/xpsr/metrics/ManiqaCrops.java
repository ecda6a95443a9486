package dev.xpsr.metrics;

import java.util.ArrayList;
import java.util.List;

/**
 * MANIQA's test-time crops, as pyiqa 0.1.10's {@code random_crop(x, crop_size=224, crop_num=20)} takes them in
 * eval mode: an image whose shorter side is at most the crop size is first enlarged bilinearly by
 * (crop + 1)/min(h, w) (size ⌊h·f⌋ × ⌊w·f⌋); then each crop draws its top row and left column with numpy's
 * {@code np.random.randint(0, h − crop + 1)} and {@code np.random.randint(0, w − crop + 1)}, in that order.
 *
 * <p>pyiqa draws from numpy's global generator, which {@code create_metric} seeds with 123
 * ({@code set_random_seed}) after building the network and which then runs on across every image scored.
 * {@link Maniqa.CropDraws#CONTINUED} reproduces that with one {@link NumpyRandomState} seeded here;
 * {@link Maniqa.CropDraws#FRESH_PER_IMAGE} gives each image a fresh state with the seed, so a score does not depend
 * on the order or batching of images (with seed 123 the crops are those pyiqa takes for the first image a freshly
 * created metric scores).
 */
final class ManiqaCrops {
    /** Top-left corner of one crop. */
    record Crop(int top, int left) {
    }

    /** The image size the crops are taken from, and the enlargement factor that produced it (1 if none). */
    record Frame(int height, int width, double factor) {
        boolean enlarged() {
            return factor != 1.0;
        }
    }

    private final int size;
    private final int count;
    private final long seed;
    private final Maniqa.CropDraws draws;
    /** The stream {@link Maniqa.CropDraws#CONTINUED} runs on; null for fresh draws. */
    private final NumpyRandomState continued;

    ManiqaCrops(int size, int count, long seed, Maniqa.CropDraws draws) {
        if (count < 1) {
            throw new IllegalArgumentException("MANIQA needs at least one crop; got " + count);
        }
        this.size = size;
        this.count = count;
        this.seed = seed;
        this.draws = draws;
        this.continued = draws == Maniqa.CropDraws.CONTINUED ? new NumpyRandomState(seed) : null;
    }

    int size() {
        return size;
    }

    int count() {
        return count;
    }

    long seed() {
        return seed;
    }

    Maniqa.CropDraws draws() {
        return draws;
    }

    /** The frame an h×w image is cropped from: enlarged when its shorter side is at most the crop size. */
    Frame frame(int height, int width) {
        int shorter = Math.min(height, width);
        if (shorter > size) {
            return new Frame(height, width, 1.0);
        }
        // Python: scale_factor = (crop_size + 1) / min(h, w); F.interpolate size = floor(float(h) * scale_factor)
        double factor = (double) (size + 1) / shorter;
        return new Frame((int) Math.floor(height * factor), (int) Math.floor(width * factor), factor);
    }

    /**
     * The crops of one frame, in the order they are drawn: top then left per crop. With a continued stream each call
     * takes the next draws (synchronised, so concurrent callers get disjoint draws, in no defined order).
     */
    List<Crop> crops(Frame frame) {
        if (continued == null) {
            return draw(new NumpyRandomState(seed), frame);
        }
        synchronized (continued) {
            return draw(continued, frame);
        }
    }

    private List<Crop> draw(NumpyRandomState random, Frame frame) {
        List<Crop> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int top = random.randint(0, frame.height() - size + 1);
            int left = random.randint(0, frame.width() - size + 1);
            out.add(new Crop(top, left));
        }
        return out;
    }
}
