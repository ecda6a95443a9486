package dev.xpsr.pipeline;

import dev.xpsr.model.XpsrControlNetModel;
import dev.xpsr.model.XpsrControlNetModel.EncodedCondition;
import dev.xpsr.torch.ExactTuning;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ControlNet's encodings of the control image during one denoising loop. The image, and each latent tile's crop
 * of it, is the same at every step, so its encoding ({@link XpsrControlNetModel#encodeCondition}: eight convolutions,
 * the first ones at full image resolution) is computed at the first step and reused at the others. When every sample
 * of the batch is the same image (the guidance batch [image, image]) one sample is encoded and broadcast.
 *
 * <p>A crop is recognised by where it lies in memory (data address, sizes, strides): the loop's control image lives
 * through the whole loop, so no other tensor can take its place while the cache is open. The cache is opened by the
 * loop on its own thread ({@link #open}), which spares the pipeline's per-step methods a parameter; per-step code
 * asks {@link #encode}, which computes directly when no cache is open or {@link ExactTuning#ENCODE_CONDITION_ONCE}
 * is off. Only the embedding is kept (retained past the steps' scopes, released on {@link #close}): the pixel-space
 * Degradation-Free predictions are training targets, and keeping them for every tile crop of a large image would
 * cost memory for nothing.
 */
public final class ConditionCache implements AutoCloseable {
    private static final ThreadLocal<ConditionCache> OPEN = new ThreadLocal<>();

    private record View(long address, List<Long> sizes, List<Long> strides) {
        static View of(Tensor t) {
            long[] strides = new long[(int) t.dim()];
            for (int i = 0; i < strides.length; i++) {
                strides[i] = t.stride(i);
            }
            return new View(t.data_ptr().address(), box(Torch.shape(t)), box(strides));
        }

        private static List<Long> box(long[] values) {
            return Arrays.stream(values).boxed().toList();
        }
    }

    private final Map<View, EncodedCondition> encoded = new HashMap<>();
    private final ConditionCache outer;

    private ConditionCache(ConditionCache outer) {
        this.outer = outer;
    }

    /** Opens a cache for a denoising loop on the calling thread, until closed. */
    public static ConditionCache open() {
        ConditionCache cache = new ConditionCache(OPEN.get());
        OPEN.set(cache);
        return cache;
    }

    /** The encoding of {@code control} (B, 3, H, W): from the open cache (its embedding only), else computed now. */
    public static EncodedCondition encode(XpsrControlNetModel controlNet, Tensor control) {
        ConditionCache cache = OPEN.get();
        if (cache == null || !ExactTuning.ENCODE_CONDITION_ONCE.enabled()) {
            return controlNet.encodeCondition(control);
        }
        return cache.encoded.computeIfAbsent(View.of(control), v -> embeddingRetained(controlNet.encodeCondition(
                sameImageInEverySample(control) ? control.narrow(0, 0, 1) : control)));
    }

    @Override
    public void close() {
        for (EncodedCondition c : encoded.values()) {
            c.embedding().releaseReference();
        }
        encoded.clear();
        if (OPEN.get() == this) {
            if (outer == null) {
                OPEN.remove();
            } else {
                OPEN.set(outer);
            }
        }
    }

    private static boolean sameImageInEverySample(Tensor control) {
        Tensor first = control.select(0, 0);
        for (long i = 1; i < control.size(0); i++) {
            if (!control.select(0, i).equal(first)) {
                return false;
            }
        }
        return true;
    }

    private static EncodedCondition embeddingRetained(EncodedCondition c) {
        c.embedding().retainReference();
        return new EncodedCondition(c.embedding(), List.of());
    }
}
