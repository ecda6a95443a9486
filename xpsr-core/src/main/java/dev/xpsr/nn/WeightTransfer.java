package dev.xpsr.nn;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Copies parameters between two module trees by state-dict key, as {@code load_state_dict(strict=False)} after
 * dropping shape mismatches does: XPSR initialises its ControlNet and UNet from SD-1.5 this way.
 */
public final class WeightTransfer {
    private WeightTransfer() {
    }

    /**
     * For every target parameter whose key starts with one of {@code prefixes}, copies the source parameter at
     * {@code sourceKey.apply(key)} when it exists with the same shape.
     *
     * @return the target keys that were copied (the others keep their values)
     */
    public static List<String> copyMatching(Module target, Module source, UnaryOperator<String> sourceKey,
                                            String... prefixes) {
        Map<String, Tensor> from = source.stateDict();
        List<String> copied = new ArrayList<>();
        try (AutoCloseable guard = Torch.noGrad()) {
            for (Map.Entry<String, Tensor> e : target.stateDict().entrySet()) {
                String key = e.getKey();
                if (Arrays.stream(prefixes).noneMatch(key::startsWith)) {
                    continue;
                }
                Tensor src = from.get(sourceKey.apply(key));
                if (src != null && Arrays.equals(Torch.shape(src), Torch.shape(e.getValue()))) {
                    e.getValue().copy_(src);
                    copied.add(key);
                }
            }
        } catch (Exception ex) {
            throw new IllegalStateException("copying weights failed", ex);
        }
        return copied;
    }
}
