package dev.xpsr.model;

import dev.xpsr.io.JsonConfig;
import dev.xpsr.io.ModelConfigException;
import dev.xpsr.nn.BlockSpec;
import dev.xpsr.nn.FusionMode;

import java.util.Set;

/**
 * The architecture fields of a diffusers {@code UNet2DConditionModel} / {@code ControlNetModel} config.json
 * (0.21.4 semantics), resolved the way the reference resolves them: {@code attention_head_dim} is the number of
 * heads when {@code num_attention_heads} is absent; int-or-list fields are expanded per block.
 * Options this port does not implement are refused with a message naming the key.
 */
public record UNetConfig(int inChannels, int outChannels, int[] blockOutChannels, String[] downBlockTypes,
                         String[] upBlockTypes, int layersPerBlock, int normNumGroups, double normEps,
                         int[] crossAttentionDim, int[] heads, int[] transformerLayers, boolean linearProjection,
                         boolean upcastAttention, boolean flipSinToCos, double freqShift, int downsamplePadding,
                         int convInKernel, int convOutKernel, int timeEmbedDim, JsonConfig raw) {

    private static final Set<String> DOWN_TYPES = Set.of("CrossAttnDownBlock2D", "DownBlock2D");
    private static final Set<String> UP_TYPES = Set.of("CrossAttnUpBlock2D", "UpBlock2D");

    /** Parses a UNet config; {@code withUpPath} false for a ControlNet (encoder half only). */
    public static UNetConfig from(JsonConfig c, boolean withUpPath) {
        refuseUnsupported(c);
        int[] blocks = c.integers("block_out_channels");
        String[] down = c.strings("down_block_types");
        checkTypes(c, "down_block_types", down, DOWN_TYPES);
        if (down.length != blocks.length) {
            throw new ModelConfigException(c.source() + ": down_block_types has " + down.length
                    + " entries but block_out_channels has " + blocks.length);
        }
        String[] up = new String[0];
        if (withUpPath) {
            up = c.strings("up_block_types");
            checkTypes(c, "up_block_types", up, UP_TYPES);
            if (up.length != blocks.length) {
                throw new ModelConfigException(c.source() + ": up_block_types has " + up.length
                        + " entries but block_out_channels has " + blocks.length);
            }
        }
        c.requireDefault("mid_block_type", "UNetMidBlock2DCrossAttn", "only UNetMidBlock2DCrossAttn is implemented");
        int n = blocks.length;
        String headsKey = c.has("num_attention_heads") ? "num_attention_heads" : "attention_head_dim";
        int convIn = c.integer("conv_in_kernel", 3);
        int convOut = c.integer("conv_out_kernel", 3);
        int timeEmbed = c.has("time_embedding_dim") ? c.integer("time_embedding_dim") : blocks[0] * 4;
        return new UNetConfig(c.integer("in_channels", 4), c.integer("out_channels", 4), blocks, down, up,
                c.integer("layers_per_block", 2), c.integer("norm_num_groups", 32), c.number("norm_eps", 1e-5),
                c.integersOrOne("cross_attention_dim", n, 1280), c.integersOrOne(headsKey, n, 8),
                c.integersOrOne("transformer_layers_per_block", n, 1), c.bool("use_linear_projection", false),
                c.bool("upcast_attention", false),
                c.bool("flip_sin_to_cos", true), c.number("freq_shift", 0), c.integer("downsample_padding", 1),
                convIn, convOut, timeEmbed, c);
    }

    public int blocks() {
        return blockOutChannels.length;
    }

    public int temb() {
        return timeEmbedDim;
    }

    /** Settings of down block {@code i}, as {@code get_down_block} receives them. */
    public BlockSpec downSpec(int i) {
        long in = i == 0 ? blockOutChannels[0] : blockOutChannels[i - 1];
        boolean last = i == blocks() - 1;
        return new BlockSpec(downBlockTypes[i].startsWith("CrossAttn"), layersPerBlock, in, blockOutChannels[i], 0,
                temb(), normNumGroups, normEps, heads[i], crossAttentionDim[i], transformerLayers[i],
                linearProjection, upcastAttention, !last, downsamplePadding, FusionMode.HIGH, false);
    }

    /** Settings of the mid block (the last block's width, heads and context). */
    public BlockSpec midSpec() {
        int last = blocks() - 1;
        return new BlockSpec(true, 1, blockOutChannels[last],
                blockOutChannels[last], 0, temb(), normNumGroups, normEps, heads[last], crossAttentionDim[last],
                transformerLayers[last], linearProjection, upcastAttention, false, 0, FusionMode.HIGH, false);
    }

    /** Settings of up block {@code i} (0 = deepest), with the reversed per-block lists. */
    public BlockSpec upSpec(int i) {
        int n = blocks();
        int r = n - 1 - i;
        long out = blockOutChannels[r];
        long prevOut = blockOutChannels[Math.min(r + 1, n - 1)];
        long in = blockOutChannels[Math.max(r - 1, 0)];
        return new BlockSpec(upBlockTypes[i].startsWith("CrossAttn"), layersPerBlock + 1, in, out, prevOut, temb(),
                normNumGroups, normEps, heads[r], crossAttentionDim[r], transformerLayers[r], linearProjection,
                upcastAttention, i != n - 1, 0, FusionMode.HIGH, false);
    }

    private static void checkTypes(JsonConfig c, String key, String[] types, Set<String> allowed) {
        for (String t : types) {
            if (!allowed.contains(t)) {
                throw new ModelConfigException(c.source() + ": unknown block type '" + t + "' in " + key
                        + "; supported: " + allowed);
            }
        }
    }

    private static void refuseUnsupported(JsonConfig c) {
        c.requireNull("class_embed_type", "class embeddings");
        c.requireNull("addition_embed_type", "additional embeddings (SDXL)");
        c.requireNull("encoder_hid_dim", "encoder_hid_proj");
        c.requireNull("time_cond_proj_dim", "timestep conditioning (LCM)");
        c.requireNull("num_class_embeds", "class embeddings");
        c.requireDefault("time_embedding_type", "positional", "only sinusoidal time embeddings");
        c.requireDefault("resnet_time_scale_shift", "default", "only additive time embeddings");
        c.requireDefault("dual_cross_attention", false, "dual cross-attention");
        c.requireDefault("only_cross_attention", false, "cross-attention-only blocks");
        c.requireDefault("center_input_sample", false, "centring the input");
        c.requireDefault("mid_block_scale_factor", 1, "a scaled mid block");
        c.requireDefault("act_fn", "silu", "only SiLU activations");
        c.requireDefault("attention_type", "default", "only default attention");
        c.requireDefault("resnet_out_scale_factor", 1, "scaled resnet outputs");
        c.requireDefault("resnet_skip_time_act", false, "skipping the time activation");
    }
}
