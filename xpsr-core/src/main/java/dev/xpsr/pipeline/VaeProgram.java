package dev.xpsr.pipeline;

import dev.xpsr.model.AutoencoderKL;
import dev.xpsr.nn.Attention;
import dev.xpsr.nn.DownBlock2D;
import dev.xpsr.nn.GroupNorm;
import dev.xpsr.nn.ResnetBlock2D;
import dev.xpsr.nn.UNetMidBlock2D;
import dev.xpsr.nn.UpDecoderBlock2D;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The VAE encoder or decoder forward flattened into a list of steps that a tile can run one by one and stop at:
 * vaehook's task queue ({@code build_task_queue}, {@code resblock2task}, {@code attn2task} in
 * qyp2000/XPSR {@code myutils/vaehook.py}).
 *
 * <p>Encoder: conv_in → per down block (resnets, downsampler) → mid (resnet, attention, resnet) → norm → SiLU →
 * conv_out. Decoder: conv_in → mid → per up block (resnets, upsampler) → norm → SiLU → conv_out (no tanh: the
 * reference sets {@code tanh_out = False}). A resnet is: store shortcut (identity or 1×1 conv_shortcut) → norm1 →
 * SiLU → conv1 → norm2 → SiLU → conv2 → add shortcut; the attention is: store identity → group_norm →
 * {@link #tileAttention} → add. Every {@link Norm} is where a tile pauses until the statistics of all tiles are
 * known. Each step maps (B, C, h, w) to (B, C', h', w'); the first reads the image or latent tile.
 */
final class VaeProgram {
    /** One step of the program. */
    sealed interface Step permits Op, Norm, StoreResidual, AddResidual {
    }

    /** A local operation (conv, SiLU, resampling, attention) applied to the tile. */
    record Op(String name, UnaryOperator<Tensor> fn) implements Step {
    }

    /** A GroupNorm whose statistics are shared across tiles. */
    record Norm(GroupNorm layer) implements Step {
    }

    /** Computes the shortcut of the current tile and keeps it for the next {@link AddResidual}. */
    record StoreResidual(UnaryOperator<Tensor> shortcut) implements Step {
    }

    /** Adds the kept shortcut to the tile. */
    record AddResidual() implements Step {
    }

    private final List<Step> steps;

    private VaeProgram(List<Step> steps) {
        this.steps = List.copyOf(steps);
    }

    List<Step> steps() {
        return steps;
    }

    /** Index of the last {@link Norm} (fast mode estimates statistics up to here). */
    int lastNorm() {
        for (int i = steps.size() - 1; i >= 0; i--) {
            if (steps.get(i) instanceof Norm) {
                return i;
            }
        }
        throw new IllegalStateException("a VAE program without GroupNorm");
    }

    static VaeProgram encoder(AutoencoderKL.Encoder e, TiledVae.AttentionNorm attentionNorm) {
        List<Step> s = new ArrayList<>();
        s.add(new Op("conv_in", e.conv_in::forward));
        for (DownBlock2D block : e.down_blocks) {
            for (ResnetBlock2D r : block.resnets) {
                resnet(s, r);
            }
            if (block.downsamplers != null) {
                s.add(new Op("downsample", block.downsamplers.get(0)::forward));
            }
        }
        mid(s, e.mid_block, attentionNorm);
        tail(s, e.conv_norm_out, e.conv_out::forward);
        return new VaeProgram(s);
    }

    static VaeProgram decoder(AutoencoderKL.Decoder d, TiledVae.AttentionNorm attentionNorm) {
        List<Step> s = new ArrayList<>();
        s.add(new Op("conv_in", d.conv_in::forward));
        mid(s, d.mid_block, attentionNorm);
        for (UpDecoderBlock2D block : d.up_blocks) {
            for (ResnetBlock2D r : block.resnets) {
                resnet(s, r);
            }
            if (block.upsamplers != null) {
                s.add(new Op("upsample", x -> block.upsamplers.get(0).forward(x, null)));
            }
        }
        tail(s, d.conv_norm_out, d.conv_out::forward);
        return new VaeProgram(s);
    }

    private static void resnet(List<Step> s, ResnetBlock2D r) {
        s.add(new StoreResidual(r.conv_shortcut == null ? x -> x : r.conv_shortcut::forward));
        s.add(new Norm(r.norm1));
        s.add(new Op("silu", Torch::silu));
        s.add(new Op("conv1", r.conv1::forward));
        s.add(new Norm(r.norm2));
        s.add(new Op("silu", Torch::silu));
        s.add(new Op("conv2", r.conv2::forward));
        s.add(new AddResidual());
    }

    private static void mid(List<Step> s, UNetMidBlock2D mid, TiledVae.AttentionNorm attentionNorm) {
        resnet(s, mid.resnets.get(0));
        Attention attn = mid.attentions.get(0);
        s.add(new StoreResidual(x -> x));
        s.add(new Norm(attn.group_norm));
        boolean again = attentionNorm == TiledVae.AttentionNorm.REFERENCE;
        s.add(new Op("attention", x -> tileAttention(attn, x, again)));
        s.add(new AddResidual());
        resnet(s, mid.resnets.get(1));
    }

    private static void tail(List<Step> s, GroupNorm norm, UnaryOperator<Tensor> convOut) {
        s.add(new Norm(norm));
        s.add(new Op("silu", Torch::silu));
        s.add(new Op("conv_out", convOut));
    }

    /**
     * Single-head self-attention among the positions of this tile only (a tile never sees its neighbours, so the
     * attention is the one part of the network that the shared statistics do not make global), without the
     * residual. With {@code normAgain} the tile is GroupNorm-ed once more with its own statistics first: vaehook's
     * attention functions ({@code attn_forward_new_xformers}, {@code attn_forward_new_pt2_0}) apply
     * {@code self.group_norm} themselves although {@code attn2task} has already queued that norm as a shared
     * {@code pre_norm}, so under diffusers the reference normalises twice. (B, C, h, w) → (B, C, h, w).
     */
    static Tensor tileAttention(Attention attn, Tensor x, boolean normAgain) {
        long b = x.size(0);
        long c = x.size(1);
        long h = x.size(2);
        long w = x.size(3);
        Tensor in = normAgain ? attn.group_norm.forward(x) : x;
        Tensor tokens = in.reshape(b, c, h * w).transpose(1, 2);
        Tensor out = attn.forward(tokens, null);
        return out.transpose(1, 2).reshape(b, c, h, w);
    }
}
