package dev.xpsr.nn;

import dev.xpsr.io.TensorInfo;
import dev.xpsr.torch.Placement;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Copies weights from a {@link WeightSource} into a module tree whose parameter paths are the state-dict keys.
 * Strict like {@code load_state_dict(strict=True)}: all missing keys, unexpected keys and shape mismatches are
 * collected and reported together, and nothing is copied unless everything fits (no half-loaded model).
 * Element types are converted on copy (fp16 / bf16 files into fp32 parameters). A placeholder parameter of
 * {@link Module#withoutStorage} gets a tensor of its own, made straight in the target placement's precision.
 */
public final class WeightLoader {
    private WeightLoader() {
    }

    /**
     * @param ignored source keys that the reference also drops silently (e.g. CLIP's {@code position_ids} buffer)
     */
    public static void load(Module model, WeightSource source, Set<String> ignored) {
        load(model, source, ignored, Placement.CPU_FP32);
    }

    /**
     * @param ignored source keys that the reference also drops silently
     * @param target  device and precision of the tensors made for placeholders (existing parameters keep theirs)
     */
    public static void load(Module model, WeightSource source, Set<String> ignored, Placement target) {
        Map<String, Tensor> params = model.stateDict();
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> shapes = new ArrayList<>();
        for (String key : params.keySet()) {
            if (!source.keys().contains(key)) {
                missing.add(key);
            }
        }
        for (String key : source.keys()) {
            Tensor p = params.get(key);
            if (p == null) {
                if (!ignored.contains(key)) {
                    unexpected.add(key);
                }
            } else if (!fits(source.info(key).shape(), Torch.shape(p))) {
                shapes.add(key + ": file " + Arrays.toString(source.info(key).shape()) + ", model "
                        + Arrays.toString(Torch.shape(p)));
            }
        }
        if (!missing.isEmpty() || !unexpected.isEmpty() || !shapes.isEmpty()) {
            throw new WeightMismatchException(source.describe(), missing, unexpected, shapes);
        }
        try (AutoCloseable ignoredGuard = Torch.noGrad()) {
            for (Map.Entry<String, Tensor> e : params.entrySet()) {
                TensorInfo info = source.info(e.getKey());
                Tensor p = e.getValue();
                if (Module.isPlaceholder(p)) {
                    // the scope drops the new tensor's own handle at once, so releasing the module frees its storage
                    try (PointerScope scope = new PointerScope()) {
                        p.set_data(Torch.placedFromBytes(source.data(e.getKey()), Torch.scalarType(info.dtype()),
                                info.shape(), Torch.shape(p), target));
                    }
                } else {
                    Torch.copyFromBytes(p, source.data(e.getKey()), Torch.scalarType(info.dtype()), info.shape());
                }
            }
        } catch (RuntimeException ex) {
            throw new IllegalStateException("copying weights from " + source.describe() + " failed: " + ex.getMessage(),
                    ex);
        } catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    public static void load(Module model, WeightSource source) {
        load(model, source, Set.of());
    }

    /**
     * Same shape, or the same values laid out as a 1×1 convolution kernel where the model has a linear weight
     * ([C, C, 1, 1] vs [C, C]), as old VAE checkpoints store their attention projections.
     */
    private static boolean fits(long[] file, long[] model) {
        if (Arrays.equals(file, model)) {
            return true;
        }
        return file.length == 4 && model.length == 2 && file[0] == model[0] && file[1] == model[1]
                && file[2] == 1 && file[3] == 1;
    }
}
