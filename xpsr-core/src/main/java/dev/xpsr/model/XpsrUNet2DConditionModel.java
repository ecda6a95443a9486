package dev.xpsr.model;

import dev.xpsr.io.JsonConfig;
import dev.xpsr.io.ModelConfigException;
import dev.xpsr.nn.BlockSpec;
import dev.xpsr.nn.FusionMode;

/**
 * XPSR's UNet ({@code models/xpsr/unet_2d_condition.py}): SD's UNet plus the "conditional" pixel attentions
 * ({@code up_blocks.i.pixel_attentions.j}, from PASD) in every up-block layer, which cross-attend to the matching
 * ControlNet residual, and optional low-level-prompt fusion in the UNet itself ({@code down_use_lowlevel_prompt},
 * {@code mid_use_lowlevel_prompt}, {@code up_use_lowlevel_prompt}; off in XPSR's released models).
 * Call {@link #forward(org.bytedeco.pytorch.Tensor, org.bytedeco.pytorch.Tensor, dev.xpsr.nn.TextContext,
 * java.util.List, org.bytedeco.pytorch.Tensor)} with the ControlNet's residuals: they are added to the skips as
 * in any ControlNet pipeline and are also the pixel attentions' keys and values.
 */
public final class XpsrUNet2DConditionModel extends UNet2DConditionModel {

    public XpsrUNet2DConditionModel(JsonConfig json) {
        super(checked(UNetConfig.from(json, true)));
    }

    @Override
    protected BlockSpec downSpec(int i) {
        return config.downSpec(i).withFusion(mode(config.raw().bool("down_use_lowlevel_prompt", false)));
    }

    @Override
    protected BlockSpec midSpec() {
        return config.midSpec().withFusion(mode(config.raw().bool("mid_use_lowlevel_prompt", false)));
    }

    @Override
    protected BlockSpec upSpec(int i) {
        boolean[] lowlevel = config.raw().booleansOrOne("up_use_lowlevel_prompt", config.blocks(), false);
        BlockSpec spec = config.upSpec(i).withPixelAttention(true);
        // UpBlock2D has no attention slots, so its flag has no effect (as in XPSR)
        return spec.crossAttention() ? spec.withFusion(mode(lowlevel[i])) : spec;
    }

    private static FusionMode mode(boolean lowlevel) {
        return lowlevel ? FusionMode.PARALLEL : FusionMode.HIGH;
    }

    /** XPSR's UpBlock2D pixel attention reads residuals of the skip width with a context of the output width. */
    private static UNetConfig checked(UNetConfig c) {
        int[] ch = c.blockOutChannels();
        for (int i = 0; i < c.blocks(); i++) {
            BlockSpec up = c.upSpec(i);
            if (!up.crossAttention() && up.in() != up.out()) {
                throw new ModelConfigException(c.raw().source() + ": XPSR's UNet needs block_out_channels "
                        + java.util.Arrays.toString(ch) + " to end in two equal widths: the pixel attention of the "
                        + "plain up block " + i + " reads " + up.in() + "-channel residuals with a " + up.out()
                        + "-channel context");
            }
        }
        return c;
    }
}
