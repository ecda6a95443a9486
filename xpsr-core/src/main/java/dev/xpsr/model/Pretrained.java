package dev.xpsr.model;

import dev.xpsr.io.AtomicFiles;
import dev.xpsr.io.CheckpointFiles;
import dev.xpsr.io.DType;
import dev.xpsr.io.JsonConfig;
import dev.xpsr.nn.Module;
import dev.xpsr.nn.TorchBinWeights;
import dev.xpsr.nn.WeightLoader;
import dev.xpsr.nn.WeightSource;
import dev.xpsr.nn.WeightWriter;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Placement;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loading models from the diffusers / transformers folder layout ({@code from_pretrained}): {@code config.json}
 * plus {@code diffusion_pytorch_model[.fp16].safetensors} or {@code model[.fp16].safetensors}, single or sharded
 * through {@code *.safetensors.index.json}, or, in a folder without safetensors weights, the single-file pickle
 * checkpoint {@code diffusion_pytorch_model[.fp16].bin} or {@code pytorch_model[.fp16].bin}
 * ({@link TorchBinWeights}). The model is built from the config alone, without storage
 * ({@link Module#withoutStorage}), then every weight is checked and copied straight into the requested placement
 * (float32 on the CPU unless one is given), so loading into bf16 never holds the float32 network.
 */
public final class Pretrained {
    private static final Pattern LEGACY_VAE_ATTENTION =
            Pattern.compile("^(encoder|decoder)\\.mid_block\\.attentions\\.0\\.(query|key|value|proj_attn)\\.(weight|bias)$");

    private Pretrained() {
    }

    public static UNet2DConditionModel unet(Path dir, String variant) {
        return load(dir, variant, UNet2DConditionModel::new, Set.of(), UnaryOperator.identity());
    }

    public static ControlNetModel controlNet(Path dir, String variant) {
        return load(dir, variant, ControlNetModel::new, Set.of(), UnaryOperator.identity());
    }

    /**
     * XPSR's ControlNet ({@code controlnet/} of an XPSR checkpoint); its config's fusion mode and heads are checked
     * against the weights first ({@link XpsrControlNetLayout#check}).
     */
    public static XpsrControlNetModel xpsrControlNet(Path dir, String variant) {
        return xpsrControlNet(dir, variant, Placement.CPU_FP32);
    }

    /** {@link #xpsrControlNet(Path, String)} loaded straight onto {@code placement}. */
    public static XpsrControlNetModel xpsrControlNet(Path dir, String variant, Placement placement) {
        return load(dir, variant, (config, weights) -> {
            XpsrControlNetLayout.check(config, weights.keys(), weights.describe());
            return new XpsrControlNetModel(config);
        }, Set.of(), UnaryOperator.identity(), placement);
    }

    /**
     * The layout of an XPSR ControlNet folder from its config and its weight file's keys, without loading the
     * weights (what sequential residency checks before the first image).
     */
    public static XpsrControlNetLayout xpsrControlNetLayout(Path dir, String variant) {
        return withWeights(dir, variant, UnaryOperator.identity(), (config, weights) ->
                XpsrControlNetLayout.check(config, weights.keys(), weights.describe()));
    }

    /** XPSR's UNet ({@code unet/} of an XPSR checkpoint). */
    public static XpsrUNet2DConditionModel xpsrUnet(Path dir, String variant) {
        return xpsrUnet(dir, variant, Placement.CPU_FP32);
    }

    /** {@link #xpsrUnet(Path, String)} loaded straight onto {@code placement}. */
    public static XpsrUNet2DConditionModel xpsrUnet(Path dir, String variant, Placement placement) {
        return load(dir, variant, (config, weights) -> new XpsrUNet2DConditionModel(config), Set.of(),
                UnaryOperator.identity(), placement);
    }

    /** The VAE; old exports' attention names ({@code query/key/value/proj_attn}) are mapped as diffusers does. */
    public static AutoencoderKL vae(Path dir, String variant) {
        return vae(dir, variant, Placement.CPU_FP32);
    }

    /** {@link #vae(Path, String)} loaded straight onto {@code placement}. */
    public static AutoencoderKL vae(Path dir, String variant, Placement placement) {
        return load(dir, variant, (config, weights) -> new AutoencoderKL(config), Set.of(), Pretrained::modernVaeKey,
                placement);
    }

    public static ClipTextModel textEncoder(Path dir, String variant) {
        return textEncoder(dir, variant, Placement.CPU_FP32);
    }

    /** {@link #textEncoder(Path, String)} loaded straight onto {@code placement}. */
    public static ClipTextModel textEncoder(Path dir, String variant, Placement placement) {
        return load(dir, variant, (config, weights) -> new ClipTextModel(config), ClipTextModel.IGNORED_KEYS,
                UnaryOperator.identity(), placement);
    }

    /**
     * Builds a model from {@code dir/config.json} and loads its weights.
     *
     * @param variant {@code "fp16"} for the {@code .fp16.} files, or null
     * @param ignored source keys the reference drops silently
     * @param rename  maps legacy key names onto the module's
     */
    public static <M extends Module> M load(Path dir, String variant, Function<JsonConfig, M> build,
                                            Set<String> ignored, UnaryOperator<String> rename) {
        return load(dir, variant, (config, weights) -> build.apply(config), ignored, rename, Placement.CPU_FP32);
    }

    /** {@link #load(Path, String, Function, Set, UnaryOperator)} with a builder that may look at the weights first. */
    private static <M extends Module> M load(Path dir, String variant, BiFunction<JsonConfig, WeightSource, M> build,
                                             Set<String> ignored, UnaryOperator<String> rename, Placement placement) {
        return withWeights(dir, variant, rename, (config, weights) -> {
            M model = Module.withoutStorage(() -> build.apply(config, weights));
            WeightLoader.load(model, weights, ignored, placement);
            model.to(placement);
            return model;
        });
    }

    /** Reads {@code dir/config.json}, opens the folder's weight file and hands both to {@code use}. */
    private static <T> T withWeights(Path dir, String variant, UnaryOperator<String> rename,
                                     BiFunction<JsonConfig, WeightSource, T> use) {
        NativeStartup.ensureStarted();
        try {
            JsonConfig config = JsonConfig.read(dir.resolve("config.json"));
            Path weights = CheckpointFiles.findWeights(dir, variant);
            if (weights.getFileName().toString().endsWith(".bin")) {
                try (TorchBinWeights bin = TorchBinWeights.open(weights)) {
                    return use.apply(config, bin.renamed(rename));
                }
            }
            try (CheckpointFiles files = CheckpointFiles.open(weights)) {
                return use.apply(config, WeightSource.of(files, weights.toString()).renamed(rename));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("loading the model in " + dir + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Writes {@code model} as a model folder: {@code config.json} and {@code <stem>[.<variant>].safetensors}
     * ({@code diffusion_pytorch_model} for diffusers models, {@code model} for transformers ones), each atomically.
     */
    public static void save(Module model, JsonConfig config, Path dir, String stem, String variant, DType dtype)
            throws IOException {
        Files.createDirectories(dir);
        String name = stem + (variant == null ? "" : "." + variant) + ".safetensors";
        WeightWriter.save(model, dir.resolve(name), dtype, Map.of("format", "pt"));
        AtomicFiles.writeString(dir.resolve("config.json"), config.node().toPrettyString());
    }

    /** diffusers' conversion of deprecated VAE attention-block names. */
    static String modernVaeKey(String key) {
        Matcher m = LEGACY_VAE_ATTENTION.matcher(key);
        if (!m.matches()) {
            return key;
        }
        String field = switch (m.group(2)) {
            case "query" -> "to_q";
            case "key" -> "to_k";
            case "value" -> "to_v";
            default -> "to_out.0";
        };
        return m.group(1) + ".mid_block.attentions.0." + field + "." + m.group(3);
    }
}
