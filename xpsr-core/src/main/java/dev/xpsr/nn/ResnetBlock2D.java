package dev.xpsr.nn;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code ResnetBlock2D} (default time-embedding norm): norm → SiLU → conv → + time embedding →
 * norm → SiLU → conv, plus the (1×1-projected when channels change) shortcut, divided by
 * {@code output_scale_factor}. x (B, in, H, W), temb (B, T) or none → (B, out, H, W).
 */
public final class ResnetBlock2D extends Module {
    public final GroupNorm norm1;
    public final Conv2d conv1;
    public final Linear time_emb_proj;
    public final GroupNorm norm2;
    public final Conv2d conv2;
    public final Conv2d conv_shortcut;
    private final double outputScaleFactor;

    /**
     * @param tembChannels time-embedding width, or 0 for none (VAE)
     */
    public ResnetBlock2D(long in, long out, long tembChannels, long groups, double eps, double outputScaleFactor) {
        this.outputScaleFactor = outputScaleFactor;
        this.norm1 = child("norm1", new GroupNorm(groups, in, eps));
        this.conv1 = child("conv1", Conv2d.same(in, out, 3));
        this.time_emb_proj = tembChannels > 0 ? child("time_emb_proj", new Linear(tembChannels, out)) : null;
        this.norm2 = child("norm2", new GroupNorm(groups, out, eps));
        this.conv2 = child("conv2", Conv2d.same(out, out, 3));
        this.conv_shortcut = in != out ? child("conv_shortcut", new Conv2d(in, out, 1, 1, 0)) : null;
    }

    public Tensor forward(Tensor x, Tensor temb) {
        return BlockFamily.RESNET.run(() -> Torch.scoped(() -> {
            Tensor h = conv1.forward(Torch.silu(norm1.forward(x)));
            if (temb != null && time_emb_proj != null) {
                Tensor t = time_emb_proj.forward(Torch.silu(temb));
                h = h.add(t.unsqueeze(-1).unsqueeze(-1));
            }
            h = conv2.forward(Torch.silu(norm2.forward(h)));
            Tensor shortcut = conv_shortcut == null ? x : conv_shortcut.forward(x);
            Tensor sum = shortcut.add(h);
            return outputScaleFactor == 1.0 ? sum : Torch.div(sum, outputScaleFactor);
        }));
    }
}
