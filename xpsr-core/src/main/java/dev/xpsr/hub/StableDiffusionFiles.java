package dev.xpsr.hub;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The files XPSR reads from a Stable Diffusion 1.x or 2.x repository in diffusers layout, and nothing else: not
 * the multi-GB root checkpoints ({@code v1-5-pruned*.ckpt}, {@code v2-1_768-ema-pruned.safetensors}, ...), the
 * {@code .bin} duplicates, the safety checker, the feature extractor or the other variant. SD-1.5 and SD-2.x
 * ({@code stabilityai/stable-diffusion-2-1}, {@code -2-1-base}) share this layout; what differs between them
 * (the text encoder's depth and activation, the pad token, the UNet's attention options, v-prediction) is read
 * from these files' configs.
 *
 * <pre>
 * model_index.json
 * scheduler/scheduler_config.json
 * text_encoder/config.json       text_encoder/model[.{variant}].safetensors
 * tokenizer/vocab.json  tokenizer/merges.txt  tokenizer/tokenizer_config.json  tokenizer/special_tokens_map.json
 * unet/config.json               unet/diffusion_pytorch_model[.{variant}].safetensors
 * vae/config.json                vae/diffusion_pytorch_model[.{variant}].safetensors
 * </pre>
 *
 * <p>The weight names are the first of {@code CheckpointFiles.findWeights}'s candidates for the variant, so the
 * snapshot loads with the same variant passed to {@code Pretrained}. SD-1.5: about 2.1 GB in fp16, 4.3 GB in fp32.
 */
public final class StableDiffusionFiles implements FileSelector {
    private final List<String> files;

    private StableDiffusionFiles(List<String> files) {
        this.files = files;
    }

    /** The files for {@code variant} ({@code "fp16"}), or the full-precision ones when it is null or empty. */
    public static StableDiffusionFiles forVariant(String variant) {
        String suffix = variant == null || variant.isEmpty() ? ".safetensors" : "." + checkVariant(variant)
                + ".safetensors";
        return new StableDiffusionFiles(List.of(
                "model_index.json",
                "scheduler/scheduler_config.json",
                "text_encoder/config.json",
                "text_encoder/model" + suffix,
                "tokenizer/merges.txt",
                "tokenizer/special_tokens_map.json",
                "tokenizer/tokenizer_config.json",
                "tokenizer/vocab.json",
                "unet/config.json",
                "unet/diffusion_pytorch_model" + suffix,
                "vae/config.json",
                "vae/diffusion_pytorch_model" + suffix));
    }

    /** The repository paths, in a fixed order. */
    public List<String> files() {
        return files;
    }

    @Override
    public List<String> select(List<String> repoFiles) {
        Set<String> listed = new HashSet<>(repoFiles);
        return files.stream().filter(listed::contains).collect(Collectors.toUnmodifiableList());
    }

    @Override
    public List<String> missing(Collection<String> available) {
        Set<String> present = new HashSet<>(available);
        return files.stream().filter(f -> !present.contains(f)).collect(Collectors.toUnmodifiableList());
    }

    @Override
    public boolean namesEveryFile() {
        return true;
    }

    @Override
    public String toString() {
        return "Stable Diffusion files for XPSR " + files;
    }

    private static String checkVariant(String variant) {
        if (!variant.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException("variant \"" + variant + "\" must be a plain name such as fp16");
        }
        return variant;
    }
}
