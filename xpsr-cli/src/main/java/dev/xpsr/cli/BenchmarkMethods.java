package dev.xpsr.cli;

import dev.xpsr.baseline.MatlabBicubicUpscaler;
import dev.xpsr.baseline.PilBicubicUpscaler;
import dev.xpsr.baseline.RealEsrganModels;
import dev.xpsr.baseline.Tiling;
import dev.xpsr.baseline.UpscalerJsModels;
import dev.xpsr.baseline.Upscaler;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The restoration methods {@code xpsr benchmark-quality} knows, in report order, each available or not with the
 * file it lacks: bicubic (Pillow, MATLAB), the RDN networks of UpscalerJS (slim, medium), Real-ESRGAN x4plus
 * from its ncnn files, and XPSR when its weights are given.
 */
final class BenchmarkMethods {
    /** Loads a method's upscaler. */
    @FunctionalInterface
    interface Loader {
        Upscaler load() throws IOException;
    }

    /**
     * One method.
     *
     * @param missing why it cannot run here (the file it lacks and where to get it), empty when it can
     */
    record Method(String name, String description, Optional<String> missing, Loader loader) {
    }

    private BenchmarkMethods() {
    }

    /**
     * Every known method.
     *
     * @param models folder holding {@code upscalerjs-esrgan-{slim,medium}/x4/} and {@code ncnn-realesrgan/}
     * @param xpsr   loads XPSR, or null when no XPSR weights were given
     */
    static List<Method> all(Path models, Loader xpsr) {
        List<Method> out = new ArrayList<>();
        out.add(new Method("bicubic-pil", "Pillow 9.4 bicubic resize (a = -0.5)", Optional.empty(),
                () -> new PilBicubicUpscaler(4)));
        out.add(new Method("bicubic-matlab", "MATLAB imresize bicubic (the SR papers' 'Bicubic')", Optional.empty(),
                () -> new MatlabBicubicUpscaler(4)));
        out.add(rdn("rdn-slim", models.resolve("upscalerjs-esrgan-slim/x4/model.json"),
                "@upscalerjs/esrgan-slim@1.0.0"));
        out.add(rdn("rdn-medium", models.resolve("upscalerjs-esrgan-medium/x4/model.json"),
                "@upscalerjs/esrgan-medium@1.0.0"));
        Path ncnn = models.resolve("ncnn-realesrgan");
        Path bin = ncnn.resolve("realesrgan-x4plus.bin");
        Path param = ncnn.resolve("realesrgan-x4plus.param");
        out.add(new Method("realesrgan-x4plus", "Real-ESRGAN x4plus (RRDBNet), ncnn weights on libtorch",
                Files.isRegularFile(bin) && Files.isRegularFile(param) ? Optional.empty()
                        : Optional.of("needs " + bin + " and " + param + " (run scripts/fetch-models.sh)"),
                () -> RealEsrganModels.load(ncnn, "realesrgan-x4plus")));
        out.add(new Method("xpsr", "XPSR (SD 1.5 + XPSR ControlNet), empty caption + analyser low-level prompt",
                xpsr == null ? Optional.of("needs --xpsr (XPSR's controlnet/ and unet/) and --model (SD 1.5)")
                        : Optional.empty(), xpsr));
        return out;
    }

    private static Method rdn(String name, Path json, String npm) {
        return new Method(name, "RDN of " + npm + " (TF.js weights on libtorch)",
                Files.isRegularFile(json) ? Optional.empty() : Optional.of("needs " + json + " (npm pack " + npm + ")"),
                () -> UpscalerJsModels.load(json, name, Tiling.withinMemory(Tiling.DEFAULT_BUDGET,
                        Tiling.DEFAULT_PAD)));
    }
}
