package dev.xpsr.metrics;

import dev.xpsr.nn.Linear;
import dev.xpsr.nn.Module;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

/**
 * OpenAI CLIP's image tower for the ResNet models ({@code ModifiedResNet} of {@code clip/model.py}, as vendored
 * in pyiqa 0.1.10's {@code archs/clip_model.py}), with the state-dict keys of {@code RN50.pt} under
 * {@code visual.}:
 * <ul>
 *   <li>a stem of three 3×3 convolutions (the first with stride 2), each with batch norm and ReLU, then a 2×2
 *       average pool ({@code conv1..3}, {@code bn1..3});</li>
 *   <li>four stages of {@code Bottleneck} blocks ({@code layerK.N.conv1..3 / bn1..3}): 1×1, 3×3, then an
 *       average pool of the block's stride before the last 1×1 (anti-aliased striding: no convolution has a
 *       stride), and a shortcut of average pool, 1×1 convolution and batch norm ({@code downsample.0 / .1})
 *       where the stride or the width changes;</li>
 *   <li>{@code AttentionPool2d} ({@code attnpool.q_proj / k_proj / v_proj / c_proj}): the mean of the final map
 *       is prepended to its positions and attends to all of them with {@code heads} heads; its output, projected
 *       by {@code c_proj}, is the image embedding.</li>
 * </ul>
 * As pyiqa's {@code clipiqa} runs it ({@code pos_embedding=False}), no positional embedding is added, so any
 * input size that survives the ×32 reduction works without resizing; {@code attnpool.positional_embedding} is
 * loaded (the checkpoint has it) but unused. Batch norms use running statistics, eps 1e-5.
 *
 * <p>The shape comes from the weights, as {@code build_model} reads it: blocks per stage from the keys, the
 * width from {@code layer1.0.conv1}, heads = width·32/64 (64 channels per head).
 */
public final class ClipResNet extends Module {
    private static final double BN_EPS = 1e-5;

    private final PlainConv2d conv1;
    private final BatchNorm2d bn1;
    private final PlainConv2d conv2;
    private final BatchNorm2d bn2;
    private final PlainConv2d conv3;
    private final BatchNorm2d bn3;
    private final Bottleneck[][] stages = new Bottleneck[4][];
    private final AttentionPool attnpool;

    /**
     * @param blocks    Bottleneck blocks per stage (RN50: 3, 4, 6, 3)
     * @param width     stem width (RN50: 64); the final map has width·32 channels
     * @param outputDim image embedding size (RN50: 1024)
     * @param grid      side of the positional-embedding grid the checkpoint was trained at (RN50: 7 = 224/32)
     */
    public ClipResNet(int[] blocks, long width, long outputDim, long grid) {
        conv1 = child("conv1", PlainConv2d.square(3, width / 2, 3, 2, 1));
        bn1 = child("bn1", new BatchNorm2d(width / 2, BN_EPS));
        conv2 = child("conv2", PlainConv2d.square(width / 2, width / 2, 3, 1, 1));
        bn2 = child("bn2", new BatchNorm2d(width / 2, BN_EPS));
        conv3 = child("conv3", PlainConv2d.square(width / 2, width, 3, 1, 1));
        bn3 = child("bn3", new BatchNorm2d(width, BN_EPS));
        long inplanes = width;
        for (int s = 0; s < 4; s++) {
            long planes = width << s;
            Container layer = child("layer" + (s + 1), new Container());
            stages[s] = new Bottleneck[blocks[s]];
            for (int b = 0; b < blocks[s]; b++) {
                int stride = s > 0 && b == 0 ? 2 : 1;
                stages[s][b] = layer.add(Integer.toString(b), new Bottleneck(inplanes, planes, stride));
                inplanes = planes * 4;
            }
        }
        long embed = width * 32;
        attnpool = child("attnpool", new AttentionPool(grid, embed, (int) (embed / 64), outputDim));
    }

    /** Image embeddings (N, outputDim) of normalised (N, 3, H, W) images, H and W at least 32. */
    Tensor forward(Tensor x) {
        Tensor map = trunk(x);
        return Torch.scoped(() -> pool(map));
    }

    /**
     * The stem and the four stages: (N, 32·width, H', W') for normalised (N, 3, H, W) images, where every 2×2
     * average pool floors an odd side (H' = H/32 for multiples of 32).
     */
    Tensor trunk(Tensor x) {
        if (x.size(2) < 32 || x.size(3) < 32) {
            throw new IllegalArgumentException("CLIP's ResNet reduces images 32 times; " + x.size(3) + "x"
                    + x.size(2) + " is too small");
        }
        Tensor h = Torch.scoped(() -> {
            Tensor y = bn1.forward(conv1.forward(x)).relu_();
            y = bn2.forward(conv2.forward(y)).relu_();
            y = bn3.forward(conv3.forward(y)).relu_();
            return Torch.avgPool2d(y, 2);
        });
        for (Bottleneck[] stage : stages) {
            for (Bottleneck b : stage) {
                Tensor in = h;
                h = Torch.scoped(() -> b.forward(in));
            }
        }
        return h;
    }

    /** The attention pool of a trunk output: (N, outputDim). */
    Tensor pool(Tensor map) {
        return attnpool.forward(map);
    }

    /** {@code Bottleneck}: expansion 4, the stride applied by average pooling. */
    static final class Bottleneck extends Module {
        private final PlainConv2d conv1;
        private final BatchNorm2d bn1;
        private final PlainConv2d conv2;
        private final BatchNorm2d bn2;
        private final PlainConv2d conv3;
        private final BatchNorm2d bn3;
        private final PlainConv2d downConv;
        private final BatchNorm2d downBn;
        private final int stride;

        Bottleneck(long inplanes, long planes, int stride) {
            this.stride = stride;
            conv1 = child("conv1", PlainConv2d.square(inplanes, planes, 1, 1, 0));
            bn1 = child("bn1", new BatchNorm2d(planes, BN_EPS));
            conv2 = child("conv2", PlainConv2d.square(planes, planes, 3, 1, 1));
            bn2 = child("bn2", new BatchNorm2d(planes, BN_EPS));
            conv3 = child("conv3", PlainConv2d.square(planes, planes * 4, 1, 1, 0));
            bn3 = child("bn3", new BatchNorm2d(planes * 4, BN_EPS));
            if (stride > 1 || inplanes != planes * 4) {
                // key "-1" is the parameterless AvgPool2d(stride) in front
                Container down = child("downsample", new Container());
                downConv = down.add("0", PlainConv2d.square(inplanes, planes * 4, 1, 1, 0));
                downBn = down.add("1", new BatchNorm2d(planes * 4, BN_EPS));
            } else {
                downConv = null;
                downBn = null;
            }
        }

        Tensor forward(Tensor x) {
            Tensor out = bn1.forward(conv1.forward(x)).relu_();
            out = bn2.forward(conv2.forward(out)).relu_();
            out = bn3.forward(conv3.forward(pool(out)));
            Tensor identity = downConv == null ? x : downBn.forward(downConv.forward(pool(x)));
            return out.add_(identity).relu_();
        }

        private Tensor pool(Tensor x) {
            return stride > 1 ? Torch.avgPool2d(x, stride) : x;
        }
    }

    /**
     * {@code AttentionPool2d} without positional embedding: tokens = [mean of positions; positions], one query
     * (the mean token) attends to all tokens; {@code F.multi_head_attention_forward} with separate q/k/v
     * projections, scale 1/√(channels per head), and {@code c_proj} as output projection.
     */
    static final class AttentionPool extends Module {
        private final Linear kProj;
        private final Linear qProj;
        private final Linear vProj;
        private final Linear cProj;
        private final int heads;

        AttentionPool(long grid, long embed, int heads, long outputDim) {
            this.heads = heads;
            parameter("positional_embedding", grid * grid + 1, embed);
            kProj = child("k_proj", new Linear(embed, embed));
            qProj = child("q_proj", new Linear(embed, embed));
            vProj = child("v_proj", new Linear(embed, embed));
            cProj = child("c_proj", new Linear(embed, outputDim));
        }

        Tensor forward(Tensor x) {
            long n = x.size(0);
            long c = x.size(1);
            Tensor positions = x.reshape(n, c, x.size(2) * x.size(3)).transpose(1, 2);
            Tensor tokens = Torch.cat(1, Torch.mean(positions, 1, true), positions);
            // only the first token's output is used, so only its query is computed
            Tensor q = heads(qProj.forward(tokens.narrow(1, 0, 1)));
            Tensor k = heads(kProj.forward(tokens));
            Tensor v = heads(vProj.forward(tokens));
            Tensor out = Torch.scaledDotProductAttention(q, k, v, false);
            return cProj.forward(out.transpose(1, 2).reshape(n, c));
        }

        /** (N, L, C) → (N, heads, L, C/heads). */
        private Tensor heads(Tensor t) {
            return t.view(t.size(0), t.size(1), heads, t.size(2) / heads).transpose(1, 2);
        }
    }
}
