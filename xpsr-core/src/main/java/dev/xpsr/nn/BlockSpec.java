package dev.xpsr.nn;

/**
 * The settings one UNet / ControlNet block is built from, as {@code get_down_block} / {@code get_up_block}
 * pass them in diffusers 0.21.4 and XPSR.
 *
 * @param crossAttention     whether the block has {@code attentions} (CrossAttn*Block2D) or not (plain)
 * @param layers             resnets in the block
 * @param in                 input channels (down: previous block's output; up: the skip width of the last layer)
 * @param out                output channels
 * @param prevOut            up blocks only: channels arriving from the previous up block
 * @param temb               time-embedding width
 * @param groups             GroupNorm groups
 * @param eps                resnet GroupNorm eps
 * @param heads              attention heads
 * @param crossAttentionDim  context width of the cross-attention
 * @param transformerLayers  transformer blocks per attention
 * @param linearProjection   {@code use_linear_projection}
 * @param upcastAttention    {@code upcast_attention}
 * @param resample           whether the block ends in a down/up sampler
 * @param downsamplePadding  padding of the down sampler's conv
 * @param fusion             how the block's attention slots use the high- and low-level prompts
 * @param pixelAttention     up blocks only: XPSR's {@code pixel_attentions} over the ControlNet residuals
 */
public record BlockSpec(boolean crossAttention, int layers, long in, long out, long prevOut, long temb, long groups,
                        double eps, int heads, long crossAttentionDim, int transformerLayers,
                        boolean linearProjection, boolean upcastAttention, boolean resample, long downsamplePadding,
                        FusionMode fusion, boolean pixelAttention) {

    /** A Transformer2DModel of this block's width attending to the text context. */
    public Transformer2DModel attention(long channels) {
        return attention(channels, crossAttentionDim);
    }

    /** A Transformer2DModel of this block's width attending to a context of {@code contextDim} channels. */
    public Transformer2DModel attention(long channels, long contextDim) {
        if (channels % heads != 0) {
            throw new IllegalArgumentException(channels + " channels cannot be split into " + heads
                    + " attention heads (check attention_head_dim / num_attention_heads in config.json)");
        }
        return new Transformer2DModel(heads, channels / heads, channels, transformerLayers, contextDim, groups,
                linearProjection, upcastAttention);
    }

    public ResnetBlock2D resnet(long inChannels, long outChannels) {
        return new ResnetBlock2D(inChannels, outChannels, temb, groups, eps, 1.0);
    }

    public BlockSpec withFusion(FusionMode mode) {
        return new BlockSpec(crossAttention, layers, in, out, prevOut, temb, groups, eps, heads, crossAttentionDim,
                transformerLayers, linearProjection, upcastAttention, resample, downsamplePadding, mode,
                pixelAttention);
    }

    public BlockSpec withPixelAttention(boolean on) {
        return new BlockSpec(crossAttention, layers, in, out, prevOut, temb, groups, eps, heads, crossAttentionDim,
                transformerLayers, linearProjection, upcastAttention, resample, downsamplePadding, fusion, on);
    }
}
