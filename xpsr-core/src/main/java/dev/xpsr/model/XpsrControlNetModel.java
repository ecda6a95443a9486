package dev.xpsr.model;

import dev.xpsr.io.JsonConfig;
import dev.xpsr.nn.BlockSpec;
import dev.xpsr.nn.ControlNetConditioningEmbedding;
import dev.xpsr.nn.Conv2d;
import dev.xpsr.nn.ModuleList;
import dev.xpsr.nn.TextContext;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * XPSR's ControlNet ({@code models/xpsr/controlnet.py}): the diffusers ControlNet with
 * <ul>
 *   <li>the pyramid image encoder with pixel-space Degradation-Free heads ({@link XpsrConditioningEmbedding});</li>
 *   <li>Semantic-Fusion Attention in every down cross-attention slot and in the mid block (or another
 *       {@link dev.xpsr.nn.FusionMode} for the ablations);</li>
 *   <li>latent-space Degradation-Free heads: {@code conv_degradation.k.0}, a 3×3 conv C → latent channels on each
 *       zero-conv output (before scaling), and {@code conv_degradation_mid.0} on the mid one.</li>
 * </ul>
 * Config flags with XPSR's defaults: {@code return_rgbs} true, {@code use_rrdb} false, {@code use_lowlevel_prompt}
 * true, {@code use_latent_pred} true; {@code xpsr_fusion} (this project's key) picks an ablation's fusion mode
 * ({@link XpsrControlNetLayout}). Heads switched off are not built, so their weights are neither trained nor saved.
 */
public final class XpsrControlNetModel extends ControlNetModel {
    public final ModuleList<ModuleList<Conv2d>> conv_degradation;
    public final ModuleList<Conv2d> conv_degradation_mid;

    /** Everything one call returns (XPSR's {@code return_dict=False} tuple, in a clearer order). */
    public record Result(Output residuals, List<Tensor> latentPredictions, Tensor latentPredictionMid,
                         List<Tensor> rgbPredictions) {
    }

    public XpsrControlNetModel(JsonConfig json) {
        super(UNetConfig.from(json, false));
        boolean latentPred = XpsrControlNetLayout.of(json).latentHeads();
        int latent = config.inChannels();
        this.conv_degradation = latentPred ? child("conv_degradation", new ModuleList<>()) : null;
        if (latentPred) {
            for (Conv2d zeroConv : controlnet_down_blocks) {
                conv_degradation.add(new ModuleList<Conv2d>().add(Conv2d.same(zeroConv.outChannels, latent, 3)));
            }
        }
        long mid = controlnet_mid_block.outChannels;
        this.conv_degradation_mid = latentPred
                ? child("conv_degradation_mid", new ModuleList<Conv2d>().add(Conv2d.same(mid, latent, 3))) : null;
    }

    /** The fusion mode and the Degradation-Free heads this network was built with. */
    public XpsrControlNetLayout layout() {
        return XpsrControlNetLayout.of(config.raw());
    }

    @Override
    protected ControlNetConditioningEmbedding newConditioningEmbedding(long channels, long condChannels, int[] widths) {
        JsonConfig json = config.raw();
        return new XpsrConditioningEmbedding(channels, condChannels, widths, json.bool("use_rrdb", false),
                XpsrControlNetLayout.of(json).pixelHeads());
    }

    @Override
    protected BlockSpec downSpec(int i) {
        return config.downSpec(i).withFusion(layout().fusion());
    }

    @Override
    protected BlockSpec midSpec() {
        return config.midSpec().withFusion(layout().fusion());
    }

    /**
     * What the pyramid image encoder makes of one conditioning image: the embedding added to {@code conv_in(sample)}
     * and the pixel-space Degradation-Free predictions. It depends on the image alone, so a denoising loop computes it
     * once and reuses it at every step.
     */
    public record EncodedCondition(Tensor embedding, List<Tensor> rgbPredictions) {
    }

    /** Runs the image encoder on {@code condition} (B, 3, 8h, 8w) in [0, 1]. */
    public EncodedCondition encodeCondition(Tensor condition) {
        List<Tensor> rgbs = new ArrayList<>();
        Tensor embedded = controlnet_cond_embedding.forward(condition, rgbs);
        return new EncodedCondition(embedded, rgbs);
    }

    /**
     * One pass.
     *
     * @param ctx               high-level prompt embeddings and low-level ones (null: the fusion branch is skipped)
     * @param condition         the upscaled LR image (B, 3, 8h, 8w) in [0, 1]
     * @param conditioningScale multiplier of the residuals (not of the degradation heads)
     */
    public Result forward(Tensor sample, Tensor timesteps, TextContext ctx, Tensor condition, double conditioningScale) {
        EncodedCondition encoded = encodeCondition(condition);
        Features f = features(sample, timesteps, ctx, encoded.embedding());
        List<Tensor> latentPreds = new ArrayList<>();
        Tensor latentMid = null;
        if (conv_degradation != null) {
            for (int i = 0; i < f.down().size(); i++) {
                latentPreds.add(conv_degradation.get(i).get(0).forward(f.down().get(i)));
            }
            latentMid = conv_degradation_mid.get(0).forward(f.mid());
        }
        return new Result(scaled(f, conditioningScale), latentPreds, latentMid, encoded.rgbPredictions());
    }

    /**
     * The residuals alone from an already {@link #encodeCondition encoded} image (batch 1 broadcasts over the
     * sample's batch): what inference uses. The latent Degradation-Free heads only give training targets, so they are
     * not run.
     */
    public Output residuals(Tensor sample, Tensor timesteps, TextContext ctx, EncodedCondition condition,
                            double conditioningScale) {
        return scaled(features(sample, timesteps, ctx, condition.embedding()), conditioningScale);
    }
}
