package dev.xpsr.metrics;

import dev.xpsr.io.RgbImage;
import dev.xpsr.torch.ImageTensors;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Argument checks and same-size grouping shared by the metrics (package-private helpers). */
final class ImagePairs {
    private ImagePairs() {
    }

    /** Fails with a message naming the metric when a pair cannot be scored. */
    static void check(Metric metric, RgbImage image, RgbImage reference) {
        if (image == null) {
            throw new IllegalArgumentException(metric.name() + ": no image given");
        }
        if (!metric.needsReference()) {
            return;
        }
        if (reference == null) {
            throw new IllegalArgumentException(metric.name() + " is a full-reference metric and needs a reference image");
        }
        if (image.width() != reference.width() || image.height() != reference.height()) {
            throw new IllegalArgumentException(metric.name() + ": image is " + image.width() + "x" + image.height()
                    + " but its reference is " + reference.width() + "x" + reference.height()
                    + "; both must have the same size");
        }
    }

    /** {@link #check(Metric, RgbImage, RgbImage)} for every pair of two parallel lists. */
    static void check(Metric metric, List<RgbImage> images, List<RgbImage> references) {
        if (metric.needsReference() && (references == null || references.size() != images.size())) {
            throw new IllegalArgumentException(metric.name() + ": " + images.size() + " images but "
                    + (references == null ? "no" : String.valueOf(references.size())) + " references");
        }
        for (int i = 0; i < images.size(); i++) {
            check(metric, images.get(i), metric.needsReference() ? references.get(i) : null);
        }
    }

    /**
     * Indices of the images grouped by size (insertion order kept), each group cut into chunks of at most
     * {@code batch} indices, so same-size images can be stacked into one tensor. Chunks come in the order of their
     * first image, so a metric scoring one image at a time sees them in the caller's order (MANIQA's continued
     * numpy stream depends on it).
     */
    static List<int[]> sameSizeChunks(List<RgbImage> images, int batch) {
        Map<Long, List<Integer>> bySize = new LinkedHashMap<>();
        for (int i = 0; i < images.size(); i++) {
            long key = ((long) images.get(i).width() << 32) | images.get(i).height();
            bySize.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
        }
        List<int[]> chunks = new ArrayList<>();
        for (List<Integer> group : bySize.values()) {
            for (int from = 0; from < group.size(); from += batch) {
                int to = Math.min(group.size(), from + batch);
                chunks.add(group.subList(from, to).stream().mapToInt(Integer::intValue).toArray());
            }
        }
        chunks.sort(Comparator.comparingInt(chunk -> chunk[0]));
        return chunks;
    }

    /** torchvision {@code ToTensor} of the chosen images stacked: float32 (N, 3, H, W), u8 / 255. */
    static Tensor stack(List<RgbImage> images, int[] indices) {
        Tensor[] parts = new Tensor[indices.length];
        for (int i = 0; i < indices.length; i++) {
            parts[i] = ImageTensors.toTensor(images.get(indices[i]));
        }
        return parts.length == 1 ? parts[0] : Torch.cat(0, parts);
    }
}
