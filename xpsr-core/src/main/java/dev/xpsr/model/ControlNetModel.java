package dev.xpsr.model;

import dev.xpsr.io.JsonConfig;
import dev.xpsr.nn.BlockSpec;
import dev.xpsr.nn.ControlNetConditioningEmbedding;
import dev.xpsr.nn.Conv2d;
import dev.xpsr.nn.DownBlock2D;
import dev.xpsr.nn.Module;
import dev.xpsr.nn.ModuleList;
import dev.xpsr.nn.TextContext;
import dev.xpsr.nn.TimestepEmbedding;
import dev.xpsr.nn.UNetMidBlock2DCrossAttn;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers 0.21.4 {@code ControlNetModel}: a copy of the UNet's encoder half whose skip tensors and mid output
 * go through zero-initialised 1×1 convs ({@code controlnet_down_blocks.*}, {@code controlnet_mid_block}) and are
 * scaled by {@code conditioning_scale}. The conditioning image (B, 3, 8h, 8w) in [0, 1] enters through
 * {@code controlnet_cond_embedding} and is added to {@code conv_in(sample)}.
 *
 * <p>Returns the residuals the UNet adds to its skips ({@link Output#down()}) and mid block ({@link Output#mid()}).
 * XPSR's ControlNet extends this with its fusion blocks and degradation heads.
 */
public class ControlNetModel extends Module {
    /** Default widths of the conditioning image encoder. */
    static final int[] DEFAULT_CONDITIONING_WIDTHS = {16, 32, 96, 256};

    public final UNetConfig config;
    public final Conv2d conv_in;
    public final TimestepEmbedding time_embedding;
    public final ControlNetConditioningEmbedding controlnet_cond_embedding;
    public final ModuleList<DownBlock2D> down_blocks;
    public final ModuleList<Conv2d> controlnet_down_blocks;
    public final UNetMidBlock2DCrossAttn mid_block;
    public final Conv2d controlnet_mid_block;

    /** Residuals for the UNet: one per skip tensor, and the mid residual. */
    public record Output(List<Tensor> down, Tensor mid) {
    }

    /** The encoder's features before scaling: zero-conv projections of the skips and of the mid output. */
    protected record Features(List<Tensor> down, Tensor mid) {
    }

    public ControlNetModel(JsonConfig json) {
        this(UNetConfig.from(json, false));
    }

    public ControlNetModel(UNetConfig config) {
        this.config = config;
        JsonConfig raw = config.raw();
        raw.requireDefault("controlnet_conditioning_channel_order", "rgb", "only RGB conditioning images");
        raw.requireDefault("global_pool_conditions", false, "global pooling of the residuals");
        int[] ch = config.blockOutChannels();
        int[] condWidths = raw.has("conditioning_embedding_out_channels")
                ? raw.integers("conditioning_embedding_out_channels") : DEFAULT_CONDITIONING_WIDTHS;
        this.conv_in = child("conv_in", Conv2d.same(config.inChannels(), ch[0], config.convInKernel()));
        this.time_embedding = child("time_embedding",
                new TimestepEmbedding(ch[0], config.temb(), config.flipSinToCos(), config.freqShift()));
        this.controlnet_cond_embedding = child("controlnet_cond_embedding",
                newConditioningEmbedding(ch[0], raw.integer("conditioning_channels", 3), condWidths));
        this.down_blocks = child("down_blocks", new ModuleList<>());
        this.controlnet_down_blocks = child("controlnet_down_blocks", new ModuleList<>());
        controlnet_down_blocks.add(new Conv2d(ch[0], ch[0], 1, 1, 0));
        for (int i = 0; i < config.blocks(); i++) {
            DownBlock2D block = new DownBlock2D(downSpec(i));
            down_blocks.add(block);
            for (int k = 0; k < block.skipCount(); k++) {
                controlnet_down_blocks.add(new Conv2d(ch[i], ch[i], 1, 1, 0));
            }
        }
        this.mid_block = child("mid_block", new UNetMidBlock2DCrossAttn(midSpec()));
        int last = ch[ch.length - 1];
        this.controlnet_mid_block = child("controlnet_mid_block", new Conv2d(last, last, 1, 1, 0));
    }

    protected ControlNetConditioningEmbedding newConditioningEmbedding(long channels, long condChannels, int[] widths) {
        return new ControlNetConditioningEmbedding(channels, condChannels, widths);
    }

    protected BlockSpec downSpec(int i) {
        return config.downSpec(i);
    }

    protected BlockSpec midSpec() {
        return config.midSpec();
    }

    /** Conditioning-image pixels per latent pixel (8 for SD-style ControlNets), see {@link ControlNetConditioningEmbedding#downFactor}. */
    public int conditioningDownFactor() {
        return controlnet_cond_embedding.downFactor();
    }

    /**
     * @param condition         conditioning image (B, 3, 8h, 8w) in [0, 1]
     * @param conditioningScale multiplier of every residual
     */
    public Output forward(Tensor sample, Tensor timesteps, Tensor text, Tensor condition, double conditioningScale) {
        Features f = features(sample, timesteps, TextContext.of(text), controlnet_cond_embedding.forward(condition));
        return scaled(f, conditioningScale);
    }

    /**
     * Encoder pass: the embedded conditioning added to conv_in, down and mid blocks, zero-conv projections
     * (unscaled).
     */
    protected Features features(Tensor sample, Tensor timesteps, TextContext ctx, Tensor embeddedCondition) {
        Tensor temb = time_embedding.forward(timesteps, sample);
        Tensor h = conv_in.forward(sample).add(embeddedCondition);
        List<Tensor> skips = new ArrayList<>();
        skips.add(h);
        for (DownBlock2D block : down_blocks) {
            h = block.forward(h, temb, ctx, skips);
        }
        h = mid_block.forward(h, temb, ctx);
        List<Tensor> down = new ArrayList<>(skips.size());
        for (int i = 0; i < skips.size(); i++) {
            down.add(controlnet_down_blocks.get(i).forward(skips.get(i)));
        }
        return new Features(down, controlnet_mid_block.forward(h));
    }

    /** Residuals scaled by {@code conditioning_scale} (guess mode off). */
    protected static Output scaled(Features f, double scale) {
        List<Tensor> down = new ArrayList<>(f.down().size());
        for (Tensor t : f.down()) {
            down.add(Torch.mul(t, scale));
        }
        return new Output(down, Torch.mul(f.mid(), scale));
    }
}
