package dev.xpsr.nn;

import dev.xpsr.io.DType;
import dev.xpsr.io.SafetensorsWriter;
import dev.xpsr.io.TensorData;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes a module's state dict to a safetensors file (atomically, via {@link SafetensorsWriter}). */
public final class WeightWriter {
    private WeightWriter() {
    }

    /**
     * @param dtype element type to store (F32, F16 or BF16 for weights)
     */
    public static void save(Module model, Path file, DType dtype, Map<String, String> metadata) throws IOException {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
            Tensor t = e.getValue();
            byte[] bytes = Torch.toBytes(t.to(Torch.scalarType(dtype)));
            tensors.put(e.getKey(), TensorData.ofBytes(dtype, Torch.shape(t), bytes));
        }
        SafetensorsWriter.write(file, tensors, metadata);
    }
}
