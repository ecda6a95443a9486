package dev.xpsr.nn;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' / XPSR's {@code UNetMidBlock2DCrossAttn}: resnet, then (attention slot → resnet) per layer (one in
 * SD). The slot is plain cross-attention or XPSR's semantic fusion. x (B, C, H, W) → same shape.
 */
public class UNetMidBlock2DCrossAttn extends Module {
    public final SemanticFusion attentions;
    public final ModuleList<ResnetBlock2D> resnets;

    public UNetMidBlock2DCrossAttn(BlockSpec spec) {
        this.attentions = new SemanticFusion(this, spec.fusion());
        this.resnets = child("resnets", new ModuleList<ResnetBlock2D>().add(spec.resnet(spec.in(), spec.in())));
        for (int i = 0; i < spec.layers(); i++) {
            attentions.addSlot(spec, spec.in());
            resnets.add(spec.resnet(spec.in(), spec.in()));
        }
    }

    public Tensor forward(Tensor h, Tensor temb, TextContext ctx) {
        return Torch.scoped(() -> {
            Tensor x = resnets.get(0).forward(h, temb);
            for (int i = 0; i < attentions.size(); i++) {
                x = attentions.apply(i, x, ctx);
                x = resnets.get(i + 1).forward(x, temb);
            }
            return x;
        });
    }
}
