package dev.xpsr.metrics;

import dev.xpsr.io.JsonConfig;
import dev.xpsr.io.ModelConfigException;

/**
 * Reads a {@link Maniqa.Config} from the arguments pyiqa 0.1.10 builds MANIQA with: {@code MANIQA(**maniqa)}, whose
 * ViT is {@code timm.create_model('vit_base_patch8_224', ...)}, given here as the {@code VisionTransformer}
 * arguments timm resolved (entry-point defaults plus overrides). Absent arguments take the constructors' defaults.
 *
 * <p>MANIQA's own {@code patch_size} and {@code img_size} only size its TA blocks and feature map; the ViT decides
 * the tokens. The reference runs only when both agree, when MANIQA's {@code embed_dim} is the ViT's width (its
 * {@code conv1} takes 4 ViT outputs) and when the ViT takes 224-pixel inputs (the crop size its forward hard-codes);
 * anything else is refused here, naming the arguments. Dropout ({@code drop}) does nothing in eval mode, and the
 * weights are loaded separately, so {@code pretrained*} and {@code train_dataset} are not read; other keyword
 * arguments are ignored, as MANIQA's {@code **kwargs} ignores them.
 */
final class ManiqaConfigReader {
    private ManiqaConfigReader() {
    }

    static Maniqa.Config read(JsonConfig maniqa, JsonConfig vit) {
        // pyiqa 0.1.10 sets its normalisation only when both are None; otherwise forward fails on the missing field
        maniqa.requireNull("default_mean", "pyiqa 0.1.10's MANIQA cannot run with a custom mean");
        maniqa.requireNull("default_std", "pyiqa 0.1.10's MANIQA cannot run with a custom std");
        requireStandardVit(vit);
        int vitImage = vit.integer("img_size", 224);
        int vitPatch = vit.integer("patch_size", 16);
        int width = vit.integer("embed_dim", 768);
        if (vitImage != Maniqa.PYIQA_CROP_SIZE || vitImage % vitPatch != 0) {
            throw new ModelConfigException(vit.source() + ": img_size " + vitImage + " / patch_size " + vitPatch
                    + " cannot take MANIQA's " + Maniqa.PYIQA_CROP_SIZE + "-pixel crops in whole patches");
        }
        int imgSize = maniqa.integer("img_size", 224);
        int patchSize = maniqa.integer("patch_size", 8);
        if (imgSize / patchSize != vitImage / vitPatch) {
            throw new ModelConfigException(maniqa.source() + ": img_size // patch_size = " + imgSize + " // "
                    + patchSize + " must equal the ViT's " + vitImage / vitPatch + " patches per side ("
                    + vit.source() + ")");
        }
        int embedDim = maniqa.integer("embed_dim", 768);
        if (embedDim != width) {
            throw new ModelConfigException(maniqa.source() + ": embed_dim " + embedDim + " must equal the ViT's "
                    + "embed_dim " + width + " (" + vit.source() + ")");
        }
        int[] depths = maniqa.has("depths") ? maniqa.integers("depths") : new int[] {2, 2};
        int[] heads = maniqa.has("num_heads") ? maniqa.integers("num_heads") : new int[] {4, 4};
        return new Maniqa.Config(vitImage, vitPatch, width, vit.integer("depth", 12), vit.integer("num_heads", 12),
                (int) (width * vit.number("mlp_ratio", 4.0)), vit.integer("num_classes", 1000),
                maniqa.integer("num_tab", 2), depths, heads, maniqa.integer("window_size", 4),
                maniqa.integer("dim_mlp", 768), maniqa.number("scale", 0.13), maniqa.integer("test_sample", 20),
                maniqa.integer("num_outputs", 1));
    }

    /** The ViT variants {@link TimmVit} does not build (other keys, other token layout) are refused by name. */
    private static void requireStandardVit(JsonConfig vit) {
        vit.requireDefault("in_chans", 3, "MANIQA feeds RGB crops");
        vit.requireDefault("global_pool", "token", "only the class-token ViT layout");
        vit.requireDefault("qkv_bias", true, "qkv without bias");
        vit.requireDefault("qk_norm", false, "query/key normalisation");
        vit.requireNull("init_values", "LayerScale");
        vit.requireDefault("class_token", true, "a ViT without class token");
        vit.requireDefault("no_embed_class", false, "position embeddings without the class token");
        vit.requireDefault("reg_tokens", 0, "register tokens");
        vit.requireDefault("pre_norm", false, "a pre-norm ViT");
        vit.requireDefault("fc_norm", false, "an fc_norm head");
        vit.requireDefault("dynamic_img_size", false, "dynamic image sizes");
    }
}
