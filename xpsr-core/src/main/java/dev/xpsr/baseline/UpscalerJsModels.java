package dev.xpsr.baseline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The RDN upscalers of the UpscalerJS npm packages ({@code @upscalerjs/esrgan-slim} and
 * {@code @upscalerjs/esrgan-medium} 1.0.0, MIT): TF.js layers-models in {@code models/x{2,3,4,8}/}, run through
 * {@link KerasGraphBuilder}.
 *
 * <p>They work on the pixel values 0…255 ({@code inputRange = outputRange = [0, 255]} in the packages' model
 * definitions); the output is clipped to 0…255 and rounded. UpscalerJS accepts three channels only (its
 * {@code hasValidChannels} check; images are decoded with {@code tf.browser.fromPixels} / {@code
 * tf.node.decodeImage(file, 3)}), so an alpha channel is dropped without compositing, as
 * {@link dev.xpsr.io.ImageFiles#read} does.
 */
public final class UpscalerJsModels {
    private UpscalerJsModels() {
    }

    /**
     * Loads a model folder (holding {@code model.json}) or a {@code model.json} file, named after its package and
     * scale folders (e.g. {@code upscalerjs-esrgan-slim-x4}), untiled below the default memory budget.
     */
    public static NetworkUpscaler load(Path modelDirOrJson) throws IOException {
        Path json = Files.isDirectory(modelDirOrJson) ? modelDirOrJson.resolve("model.json") : modelDirOrJson;
        Path dir = json.toAbsolutePath().getParent();
        String name = dir.getParent().getFileName() + "-" + dir.getFileName();
        return load(json, name, Tiling.withinMemory(Tiling.DEFAULT_BUDGET, Tiling.DEFAULT_PAD));
    }

    /** Loads {@code model.json} and its shards under the given name and tiling policy. */
    public static NetworkUpscaler load(Path modelJson, String name, Tiling tiling) throws IOException {
        if (!Files.isRegularFile(modelJson)) {
            throw new java.nio.file.NoSuchFileException(modelJson.toString(), null,
                    "no TF.js model.json here (npm pack @upscalerjs/esrgan-slim@1.0.0: package/models/x4/)");
        }
        LayerGraph graph = KerasGraphBuilder.build(TfjsLayersModel.read(modelJson));
        return NetworkUpscaler.of(name, graph, PixelRange.BYTE, tiling);
    }
}
