package dev.xpsr.nn;

import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code UNetMidBlock2DCrossAttn}: resnet, then (transformer → resnet) per layer (one in SD).
 * x (B, C, H, W) → same shape.
 */
public class UNetMidBlock2DCrossAttn extends Module {
    public final ModuleList<Transformer2DModel> attentions;
    public final ModuleList<ResnetBlock2D> resnets;

    public UNetMidBlock2DCrossAttn(BlockSpec spec) {
        this.attentions = child("attentions", new ModuleList<>());
        this.resnets = child("resnets", new ModuleList<ResnetBlock2D>().add(spec.resnet(spec.in(), spec.in())));
        for (int i = 0; i < spec.layers(); i++) {
            attentions.add(spec.attention(spec.in()));
            resnets.add(spec.resnet(spec.in(), spec.in()));
        }
    }

    public Tensor forward(Tensor h, Tensor temb, Tensor context) {
        h = resnets.get(0).forward(h, temb);
        for (int i = 0; i < attentions.size(); i++) {
            h = attend(i, h, context);
            h = resnets.get(i + 1).forward(h, temb);
        }
        return h;
    }

    /** The attention of layer {@code i}; XPSR's ControlNet overrides it with semantic-fusion attention. */
    protected Tensor attend(int i, Tensor h, Tensor context) {
        return attentions.get(i).forward(h, context);
    }
}
