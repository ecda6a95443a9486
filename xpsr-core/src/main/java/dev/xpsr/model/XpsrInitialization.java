package dev.xpsr.model;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.xpsr.io.JsonConfig;
import dev.xpsr.nn.FusionMode;
import dev.xpsr.nn.Init;
import dev.xpsr.nn.WeightTransfer;
import org.bytedeco.pytorch.Generator;

import java.util.List;

/**
 * Building XPSR's trainable networks from a Stable Diffusion UNet, as XPSR's {@code train.py} does
 * ({@code ControlNetModel.from_unet}, {@code UNet2DConditionModel.from_pretrained_orig}):
 * <ul>
 *   <li>every parameter first gets PyTorch's default initialisation, zero convolutions are zeroed;</li>
 *   <li>the ControlNet copies the UNet's {@code conv_in}, {@code time_embedding}, {@code down_blocks} and
 *       {@code mid_block}; its {@code attentions_lowlevel} and {@code attentions_connect} are copies of the
 *       corresponding {@code attentions}, except tensors whose shapes differ — the fusion transformer's
 *       {@code attn2.to_k/to_v}, whose context is the block width, not the text width — which keep their fresh
 *       initialisation;</li>
 *   <li>the XPSR UNet copies every SD-1.5 tensor; its pixel attentions keep their fresh initialisation.</li>
 * </ul>
 */
public final class XpsrInitialization {
    private XpsrInitialization() {
    }

    /**
     * XPSR's ControlNet config for a UNet config ({@code from_unet}'s arguments plus XPSR's flags), in the layout of
     * an ablation ({@link XpsrControlNetLayout#XPSR} for the released network).
     */
    public static JsonConfig controlNetConfig(UNetConfig unet, XpsrControlNetLayout layout) {
        ObjectNode src = unet.raw().node();
        ObjectNode c = src.objectNode();
        c.put("_class_name", "ControlNetModel");
        for (String key : List.of("in_channels", "flip_sin_to_cos", "freq_shift", "down_block_types",
                "only_cross_attention", "block_out_channels", "layers_per_block", "downsample_padding",
                "mid_block_scale_factor", "act_fn", "norm_num_groups", "norm_eps", "cross_attention_dim",
                "transformer_layers_per_block", "attention_head_dim", "num_attention_heads", "use_linear_projection",
                "upcast_attention", "resnet_time_scale_shift")) {
            if (src.has(key)) {
                c.set(key, src.get(key).deepCopy());
            }
        }
        c.put("conditioning_channels", 3);
        c.put("controlnet_conditioning_channel_order", "rgb");
        ArrayNode widths = c.putArray("conditioning_embedding_out_channels");
        for (int w : ControlNetModel.DEFAULT_CONDITIONING_WIDTHS) {
            widths.add(w);
        }
        c.put("global_pool_conditions", false);
        FusionMode fusion = layout.fusion();
        c.put(XpsrControlNetLayout.PIXEL_KEY, layout.pixelHeads());
        c.put("use_rrdb", false);
        c.put(XpsrControlNetLayout.LOWLEVEL_KEY, fusion.hasLowlevelStack() || fusion == FusionMode.LOW);
        c.put(XpsrControlNetLayout.LATENT_KEY, layout.latentHeads());
        c.put(XpsrControlNetLayout.FUSION_KEY, fusion.id());
        return new JsonConfig(c, "XPSR ControlNet config derived from " + unet.raw().source());
    }

    /** XPSR's UNet config for an SD UNet config (the UNet's own low-level flags off, as released). */
    public static JsonConfig unetConfig(UNetConfig sd) {
        ObjectNode c = sd.raw().node().deepCopy();
        ArrayNode up = c.putArray("up_use_lowlevel_prompt");
        for (int i = 0; i < sd.blocks(); i++) {
            up.add(false);
        }
        c.put("mid_use_lowlevel_prompt", false);
        c.put("down_use_lowlevel_prompt", false);
        return new JsonConfig(c, "XPSR UNet config derived from " + sd.raw().source());
    }

    /** A fresh XPSR ControlNet of {@code layout} initialised from {@code unet}. */
    public static XpsrControlNetModel controlNetFromUnet(UNet2DConditionModel unet, XpsrControlNetLayout layout,
                                                        Generator generator) {
        XpsrControlNetModel net = new XpsrControlNetModel(controlNetConfig(unet.config, layout));
        Init.pytorchDefaults(net, generator);
        Init.zeros(net.controlnet_down_blocks);
        Init.zeros(net.controlnet_mid_block);
        Init.zeros(net.controlnet_cond_embedding.conv_out);
        WeightTransfer.copyMatching(net, unet, XpsrInitialization::sourceKey,
                "conv_in.", "time_embedding.", "down_blocks.", "mid_block.");
        return net;
    }

    /** A fresh XPSR UNet holding {@code sd}'s weights. */
    public static XpsrUNet2DConditionModel unetFromSd(UNet2DConditionModel sd, Generator generator) {
        XpsrUNet2DConditionModel unet = new XpsrUNet2DConditionModel(unetConfig(sd.config));
        Init.pytorchDefaults(unet, generator);
        WeightTransfer.copyMatching(unet, sd, XpsrInitialization::sourceKey, "");
        return unet;
    }

    /** The SD key an XPSR parameter is copied from: fusion stacks start as copies of {@code attentions}. */
    static String sourceKey(String key) {
        return key.replace("attentions_lowlevel", "attentions").replace("attentions_connect", "attentions");
    }
}
