package dev.xpsr.model;

import dev.xpsr.io.JsonConfig;
import dev.xpsr.nn.BlockSpec;
import dev.xpsr.nn.Conv2d;
import dev.xpsr.nn.DownBlock2D;
import dev.xpsr.nn.GroupNorm;
import dev.xpsr.nn.Module;
import dev.xpsr.nn.ModuleList;
import dev.xpsr.nn.TextContext;
import dev.xpsr.nn.TimestepEmbedding;
import dev.xpsr.nn.UNetMidBlock2DCrossAttn;
import dev.xpsr.nn.UpBlock2D;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers 0.21.4 {@code UNet2DConditionModel} (the SD-1.x / 2.x family), built from its config.json alone.
 *
 * <p>sample (B, in, h, w), timesteps (0-d / [1] broadcast, or [B]), context (B, 77, cross_dim) → ε (B, out, h, w).
 * A ControlNet's down residuals are added to the skip tensors and its mid residual to the mid-block output
 * before the up path. Latents whose sides are not multiples of the overall down factor are handled as the
 * reference does, by passing the skip's size to each upsampler. Subclasses choose the block settings
 * ({@link #downSpec}, {@link #midSpec}, {@link #upSpec}); XPSR's UNet adds its pixel attentions that way.
 */
public class UNet2DConditionModel extends Module {
    public final UNetConfig config;
    public final Conv2d conv_in;
    public final TimestepEmbedding time_embedding;
    public final ModuleList<DownBlock2D> down_blocks;
    public final UNetMidBlock2DCrossAttn mid_block;
    public final ModuleList<UpBlock2D> up_blocks;
    public final GroupNorm conv_norm_out;
    public final Conv2d conv_out;

    public UNet2DConditionModel(JsonConfig json) {
        this(UNetConfig.from(json, true));
    }

    public UNet2DConditionModel(UNetConfig config) {
        this.config = config;
        int[] ch = config.blockOutChannels();
        this.conv_in = child("conv_in", Conv2d.same(config.inChannels(), ch[0], config.convInKernel()));
        this.time_embedding = child("time_embedding",
                new TimestepEmbedding(ch[0], config.temb(), config.flipSinToCos(), config.freqShift()));
        this.down_blocks = child("down_blocks", new ModuleList<>());
        for (int i = 0; i < config.blocks(); i++) {
            down_blocks.add(new DownBlock2D(downSpec(i)));
        }
        this.mid_block = child("mid_block", new UNetMidBlock2DCrossAttn(midSpec()));
        this.up_blocks = child("up_blocks", new ModuleList<>());
        for (int i = 0; i < config.blocks(); i++) {
            up_blocks.add(new UpBlock2D(upSpec(i)));
        }
        this.conv_norm_out = child("conv_norm_out", new GroupNorm(config.normNumGroups(), ch[0], config.normEps()));
        this.conv_out = child("conv_out", Conv2d.same(ch[0], config.outChannels(), config.convOutKernel()));
    }

    protected BlockSpec downSpec(int i) {
        return config.downSpec(i);
    }

    protected BlockSpec midSpec() {
        return config.midSpec();
    }

    protected BlockSpec upSpec(int i) {
        return config.upSpec(i);
    }

    /** Noise prediction from the text context alone. */
    public Tensor forward(Tensor sample, Tensor timesteps, Tensor text) {
        return forward(sample, timesteps, TextContext.of(text), null, null);
    }

    /** Noise prediction with ControlNet residuals. */
    public Tensor forward(Tensor sample, Tensor timesteps, Tensor text, List<Tensor> downResiduals,
                          Tensor midResidual) {
        return forward(sample, timesteps, TextContext.of(text), downResiduals, midResidual);
    }

    /**
     * Noise prediction.
     *
     * @param downResiduals ControlNet down residuals (one per skip tensor), or null
     * @param midResidual   ControlNet mid residual, or null
     */
    public Tensor forward(Tensor sample, Tensor timesteps, TextContext ctx, List<Tensor> downResiduals,
                          Tensor midResidual) {
        Tensor temb = time_embedding.forward(timesteps, sample);
        Tensor h = conv_in.forward(sample);
        List<Tensor> skips = new ArrayList<>();
        skips.add(h);
        for (DownBlock2D block : down_blocks) {
            h = block.forward(h, temb, ctx, skips);
        }
        if (downResiduals != null) {
            skips = addResiduals(skips, downResiduals);
        }
        h = mid_block.forward(h, temb, ctx);
        if (midResidual != null) {
            h = h.add(midResidual);
        }
        h = upPath(h, temb, ctx, skips, downResiduals, sample);
        return conv_out.forward(Torch.silu(conv_norm_out.forward(h)));
    }

    /** The up blocks, each consuming its skips (and residuals) from the end of the lists. */
    private Tensor upPath(Tensor h, Tensor temb, TextContext ctx, List<Tensor> skips, List<Tensor> residuals,
                          Tensor sample) {
        boolean explicitSize = needsExplicitUpsampleSize(sample);
        int end = skips.size();
        for (int i = 0; i < up_blocks.size(); i++) {
            UpBlock2D block = up_blocks.get(i);
            int start = end - block.layers();
            long[] size = explicitSize && i < up_blocks.size() - 1 ? Torch.shape(skips.get(start - 1)) : null;
            h = block.forward(h, temb, ctx, skips.subList(start, end),
                    residuals == null ? null : residuals.subList(start, end),
                    size == null ? null : new long[] {size[2], size[3]});
            end = start;
        }
        return h;
    }

    private boolean needsExplicitUpsampleSize(Tensor sample) {
        long factor = 1L << (config.blocks() - 1);
        return sample.size(2) % factor != 0 || sample.size(3) % factor != 0;
    }

    private static List<Tensor> addResiduals(List<Tensor> skips, List<Tensor> residuals) {
        if (residuals.size() != skips.size()) {
            throw new IllegalArgumentException("ControlNet gave " + residuals.size() + " down residuals but the UNet has "
                    + skips.size() + " skip connections; the ControlNet and UNet configs do not match");
        }
        List<Tensor> out = new ArrayList<>(skips.size());
        for (int i = 0; i < skips.size(); i++) {
            out.add(skips.get(i).add(residuals.get(i)));
        }
        return out;
    }
}
