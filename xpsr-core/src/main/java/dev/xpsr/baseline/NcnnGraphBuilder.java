package dev.xpsr.baseline;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Builds a {@link LayerGraph} from an ncnn {@code .param} + {@code .bin} pair, loading each layer's weights in
 * file order. An ncnn blob is a (C, H, W) float32 {@code Mat}; here it is a (1, C, H, W) tensor, so ncnn's
 * channel axis 0 is torch dimension 1. The layer semantics follow ncnn's reference (non-SIMD) layers in
 * src/layer/*.cpp:
 * <ul>
 *   <li>{@code Input}: binds the network input (params 0=w 1=h 2=c are shape hints, ignored).</li>
 *   <li>{@code Convolution} (convolution.cpp): 0=num_output 1=kernel_w 11=kernel_h 2/12=dilation 3/13=stride
 *       4=pad_left 15=pad_right 14=pad_top 16=pad_bottom (−233 SAME_UPPER, −234 SAME_LOWER) 18=pad_value
 *       5=bias_term 6=weight_data_size 9=activation_type 10=activation_params; weights OIHW (the input channel
 *       count is weight_data_size / (num_output·kh·kw)), loaded as type 0, then num_output biases as type 1;
 *       cross-correlation on the zero-padded input; fused activation 0 none, 1 ReLU, 2 LeakyReLU(p0),
 *       3 clip(p0, p1), 4 sigmoid.</li>
 *   <li>{@code Split}: every output is the input. {@code Noop}: outputs are the inputs.</li>
 *   <li>{@code Concat} (0=axis, default 0 = channels; negative counts from the end of (C, H, W)).</li>
 *   <li>{@code Eltwise} (0=op 0 product, 1 sum, 2 max; 1=coeffs): sum with coefficients is
 *       {@code x0·c0 + x1·c1}, then {@code += xb·cb} — how ESRGAN's {@code 0.2·x + skip} arrives in ncnn.</li>
 *   <li>{@code BinaryOp} (0=op 0 add, 1 sub, 2 mul, 3 div, 4 max, 5 min, 7 rsub, 8 rdiv; 1=with_scalar 2=b):
 *       two inputs of the same shape, or one input and the scalar b.</li>
 *   <li>{@code Interp} (0=resize_type, only 1 = nearest; 1=height_scale 2=width_scale 3=output_height
 *       4=output_width): output size {@code (int)(w·width_scale)} unless both sizes are given; source column
 *       {@code min((int)(x·ws), w−1)} with {@code ws = 1/width_scale} (or w/outw when sizes are given), in
 *       float32; same size returns the input.</li>
 *   <li>{@code PixelShuffle} (0=upscale_factor r, 1=mode): output channel p, sub-position (sh, sw) reads input
 *       channel {@code p·r² + sh·r + sw} (mode 0, PyTorch's {@code pixel_shuffle}) or
 *       {@code (sh·r + sw)·C_out + p} (mode 1, TensorFlow's depth-to-space).</li>
 *   <li>{@code PReLU} (0=num_slope; slopes type 1): {@code x < 0 ? x·slope[c] : x}.
 *       {@code ReLU} (0=slope): {@code x < 0 ? x·slope : x}.</li>
 * </ul>
 * Any other layer type, an unknown parameter id of a known type, and int8 or dynamic weights are rejected with
 * the file, line and layer named.
 */
public final class NcnnGraphBuilder {
    /** The layer types this builder runs. */
    public static final List<String> SUPPORTED_TYPES = List.of("Input", "Convolution", "Split", "Noop", "Concat",
            "Eltwise", "BinaryOp", "Interp", "PixelShuffle", "PReLU", "ReLU");
    private static final int SAME_UPPER = -233;
    private static final int SAME_LOWER = -234;
    private static final int BLOB_DIMS = 3;

    private NcnnGraphBuilder() {
    }

    /** The graph of {@code param} with its weights read from {@code bin}, which must be consumed exactly. */
    public static LayerGraph build(NcnnParamFile param, NcnnModelBin bin) {
        String input = null;
        List<LayerGraph.Node> nodes = new ArrayList<>();
        GraphWeights weights = new GraphWeights();
        for (NcnnParamFile.Layer l : param.layers()) {
            if (l.type().equals("Input")) {
                input = inputBlob(l, input);
            } else {
                nodes.add(new LayerGraph.Node(l.name(), l.type(), l.bottoms(), l.tops(), op(l, bin, weights)));
            }
        }
        try {
            bin.checkFullyRead();
            if (input == null) {
                throw new NcnnFormatException(param.source() + ": no Input layer");
            }
            return new LayerGraph(param.source(), input, outputBlob(param), nodes, weights);
        } catch (IllegalArgumentException miswired) { // a layer reads what none writes: the file's fault
            weights.release();
            throw new NcnnFormatException(miswired.getMessage());
        } catch (RuntimeException e) {
            weights.release();
            throw e;
        }
    }

    private static String inputBlob(NcnnParamFile.Layer l, String earlier) {
        l.params().requireOnly(Set.of(0, 1, 2, 11));
        arity(l, 0, 1);
        if (earlier != null) {
            throw new NcnnFormatException(l.params().where() + ": a second Input layer; one input is supported");
        }
        return l.tops().get(0);
    }

    /** The one blob that some layer writes and none reads. */
    private static String outputBlob(NcnnParamFile param) {
        Set<String> unread = new LinkedHashSet<>();
        for (NcnnParamFile.Layer l : param.layers()) {
            unread.addAll(l.tops());
        }
        for (NcnnParamFile.Layer l : param.layers()) {
            l.bottoms().forEach(unread::remove);
        }
        if (unread.size() != 1) {
            throw new NcnnFormatException(param.source() + ": expected one output blob (written, never read), found "
                    + unread);
        }
        return unread.iterator().next();
    }

    private static GraphOp op(NcnnParamFile.Layer l, NcnnModelBin bin, GraphWeights weights) {
        return switch (l.type()) {
            case "Convolution" -> convolution(l, bin, weights);
            case "Split" -> split(l);
            case "Noop" -> noop(l);
            case "Concat" -> concat(l);
            case "Eltwise" -> eltwise(l);
            case "BinaryOp" -> binaryOp(l);
            case "Interp" -> interp(l);
            case "PixelShuffle" -> pixelShuffle(l);
            case "PReLU" -> prelu(l, bin, weights);
            case "ReLU" -> relu(l);
            default -> throw new NcnnFormatException(l.params().where() + ": unsupported layer type '" + l.type()
                    + "' (supported: " + SUPPORTED_TYPES + ")");
        };
    }

    // ---------------------------------------------------------------- Convolution

    private static GraphOp convolution(NcnnParamFile.Layer l, NcnnModelBin bin, GraphWeights weights) {
        NcnnParamDict p = l.params();
        p.requireOnly(Set.of(0, 1, 11, 2, 12, 3, 13, 4, 14, 15, 16, 18, 5, 6, 8, 9, 10, 19));
        arity(l, 1, 1);
        int out = p.getInt(0, 0);
        int kw = p.getInt(1, 0);
        int kh = p.getInt(11, kw);
        int dilation = square(p.getInt(2, 1), p.getInt(12, p.getInt(2, 1)), "dilation", p);
        int stride = square(p.getInt(3, 1), p.getInt(13, p.getInt(3, 1)), "stride", p);
        check(p.getFloat(18, 0f) == 0f, p, "pad_value other than 0 is not supported");
        check(p.getInt(8, 0) == 0, p, "int8 convolution (8=int8_scale_term) is not supported");
        check(p.getInt(19, 0) == 0, p, "dynamic weights (19=1) are not supported");
        int size = p.getInt(6, 0);
        check(out > 0 && kw > 0 && kh > 0 && size > 0 && size % (out * kh * kw) == 0, p,
                "weight_data_size " + size + " is not num_output·kernel_h·kernel_w·inputs");
        Tensor weight = weights.constant(bin.load(size, 0, l.name() + " weights"), out, size / (out * kh * kw), kh, kw);
        Tensor bias = p.getInt(5, 0) != 0 ? weights.constant(bin.load(out, 1, l.name() + " bias"), out) : null;
        Padding padding = Padding.of(p, kw, kh, dilation, stride);
        UnaryOperator<Tensor> activation = activation(p.getInt(9, 0), p.getFloats(10), p);
        return x -> one(activation.apply(Torch.conv2d(padding.apply(x[0]), weight, bias, stride,
                padding.symmetric(), dilation, 1)));
    }

    /** ncnn's {@code make_padding}: explicit borders, or SAME_UPPER / SAME_LOWER computed from the input size. */
    private record Padding(int left, int right, int top, int bottom, int kernelW, int kernelH, int dilation,
                           int stride) {
        static Padding of(NcnnParamDict p, int kw, int kh, int dilation, int stride) {
            int left = p.getInt(4, 0);
            int right = p.getInt(15, left);
            int top = p.getInt(14, left);
            int bottom = p.getInt(16, top);
            boolean explicit = left >= 0 && right >= 0 && top >= 0 && bottom >= 0;
            boolean same = allEqual(left, right, top, bottom) && (left == SAME_UPPER || left == SAME_LOWER);
            check(explicit || same, p, "padding " + left + "," + right + "," + top + "," + bottom
                    + " is neither explicit nor SAME_UPPER (-233) / SAME_LOWER (-234)");
            return new Padding(left, right, top, bottom, kw, kh, dilation, stride);
        }

        /** The padding the convolution itself can apply: equal on all four sides, else 0 (done by {@link #apply}). */
        int symmetric() {
            return left > 0 && allEqual(left, right, top, bottom) ? left : 0;
        }

        /** The input with the borders {@link #symmetric()} does not cover, as ncnn's copy_make_border. */
        Tensor apply(Tensor x) {
            if (left >= 0) {
                boolean none = left + right + top + bottom == 0 || symmetric() > 0;
                return none ? x : Torch.pad(x, left, right, top, bottom);
            }
            int wpad = Math.max(0, extent(kernelW) + ((int) x.size(3) - 1) / stride * stride - (int) x.size(3));
            int hpad = Math.max(0, extent(kernelH) + ((int) x.size(2) - 1) / stride * stride - (int) x.size(2));
            if (wpad == 0 && hpad == 0) {
                return x;
            }
            boolean upper = left == SAME_UPPER;
            int padLeft = upper ? wpad / 2 : wpad - wpad / 2;
            int padTop = upper ? hpad / 2 : hpad - hpad / 2;
            return Torch.pad(x, padLeft, wpad - padLeft, padTop, hpad - padTop);
        }

        private int extent(int kernel) {
            return dilation * (kernel - 1) + 1;
        }
    }

    private static UnaryOperator<Tensor> activation(int type, float[] params, NcnnParamDict p) {
        int needed = switch (type) {
            case 0, 1, 4 -> 0;
            case 2 -> 1;
            case 3 -> 2;
            default -> throw new NcnnFormatException(p.where() + ": fused activation type " + type
                    + " is not supported (0 none, 1 ReLU, 2 LeakyReLU, 3 clip, 4 sigmoid)");
        };
        check(params.length >= needed, p, "activation type " + type + " needs " + needed + " parameters in 10=");
        return switch (type) {
            case 1 -> x -> Torch.clamp(x, 0, Double.POSITIVE_INFINITY);
            case 2 -> x -> Torch.leakyRelu(x, params[0]);
            case 3 -> x -> Torch.clamp(x, params[0], params[1]);
            case 4 -> Torch::sigmoid;
            default -> x -> x;
        };
    }

    // ---------------------------------------------------------------- routing

    private static GraphOp split(NcnnParamFile.Layer l) {
        l.params().requireOnly(Set.of());
        arity(l, 1, l.tops().size());
        int n = l.tops().size();
        return x -> Collections.nCopies(n, x[0]).toArray(new Tensor[0]);
    }

    private static GraphOp noop(NcnnParamFile.Layer l) {
        l.params().requireOnly(Set.of());
        arity(l, l.tops().size(), l.bottoms().size());
        return x -> x.clone();
    }

    private static GraphOp concat(NcnnParamFile.Layer l) {
        NcnnParamDict p = l.params();
        p.requireOnly(Set.of(0));
        arity(l, l.bottoms().size(), 1);
        int axis = p.getInt(0, 0);
        int positive = axis < 0 ? BLOB_DIMS + axis : axis;
        check(positive >= 0 && positive < BLOB_DIMS, p, "axis " + axis + " outside a (C, H, W) blob");
        return x -> one(Torch.cat(positive + 1L, x));
    }

    // ---------------------------------------------------------------- element-wise

    private static GraphOp eltwise(NcnnParamFile.Layer l) {
        NcnnParamDict p = l.params();
        p.requireOnly(Set.of(0, 1));
        arity(l, l.bottoms().size(), 1);
        check(l.bottoms().size() >= 2, p, "Eltwise needs at least two inputs");
        int type = p.getInt(0, 0);
        float[] coeffs = p.getFloats(1);
        check(coeffs.length == 0 || coeffs.length == l.bottoms().size(), p,
                coeffs.length + " coefficients for " + l.bottoms().size() + " inputs");
        return switch (type) {
            case 0 -> x -> one(fold(x, Tensor::mul));
            case 1 -> coeffs.length == 0 ? x -> one(fold(x, Tensor::add)) : x -> one(weightedSum(x, coeffs));
            case 2 -> x -> one(fold(x, Tensor::maximum));
            default -> throw new NcnnFormatException(p.where() + ": Eltwise op " + type + " does not exist");
        };
    }

    private static Tensor fold(Tensor[] x, java.util.function.BinaryOperator<Tensor> f) {
        Tensor acc = f.apply(x[0], x[1]);
        for (int b = 2; b < x.length; b++) {
            acc = f.apply(acc, x[b]);
        }
        return acc;
    }

    private static Tensor weightedSum(Tensor[] x, float[] c) {
        Tensor acc = Torch.mul(x[0], c[0]).add(Torch.mul(x[1], c[1]));
        for (int b = 2; b < x.length; b++) {
            acc = acc.add(Torch.mul(x[b], c[b]));
        }
        return acc;
    }

    private static GraphOp binaryOp(NcnnParamFile.Layer l) {
        NcnnParamDict p = l.params();
        p.requireOnly(Set.of(0, 1, 2));
        int type = p.getInt(0, 0);
        boolean withScalar = p.getInt(1, 0) != 0;
        arity(l, withScalar ? 1 : 2, 1);
        java.util.function.BinaryOperator<Tensor> f = binary(type, p);
        if (withScalar) {
            float b = p.getFloat(2, 0f);
            return x -> one(f.apply(x[0], Torch.full(b, 1).to(x[0])));
        }
        return x -> {
            check(java.util.Arrays.equals(Torch.shape(x[0]), Torch.shape(x[1])), p, "inputs of shapes "
                    + java.util.Arrays.toString(Torch.shape(x[0])) + " and "
                    + java.util.Arrays.toString(Torch.shape(x[1])) + "; only equal shapes are supported");
            return one(f.apply(x[0], x[1]));
        };
    }

    private static java.util.function.BinaryOperator<Tensor> binary(int type, NcnnParamDict p) {
        return switch (type) {
            case 0 -> Tensor::add;
            case 1 -> Tensor::sub;
            case 2 -> Tensor::mul;
            case 3 -> Tensor::div;
            case 4 -> Tensor::maximum;
            case 5 -> Tensor::minimum;
            case 7 -> (a, b) -> b.sub(a);
            case 8 -> (a, b) -> b.div(a);
            default -> throw new NcnnFormatException(p.where() + ": BinaryOp op " + type + " is not supported"
                    + " (0 add, 1 sub, 2 mul, 3 div, 4 max, 5 min, 7 rsub, 8 rdiv)");
        };
    }

    private static GraphOp prelu(NcnnParamFile.Layer l, NcnnModelBin bin, GraphWeights weights) {
        NcnnParamDict p = l.params();
        p.requireOnly(Set.of(0));
        arity(l, 1, 1);
        int n = p.getInt(0, 0);
        check(n > 0, p, "num_slope must be positive");
        Tensor slope = weights.constant(bin.load(n, 1, l.name() + " slopes"), 1, n, 1, 1);
        return x -> {
            check(n == 1 || x[0].size(1) == n, p, n + " slopes for " + x[0].size(1) + " channels");
            return one(x[0].mul(slope).where(Torch.lt(x[0], 0.0), x[0]));
        };
    }

    private static GraphOp relu(NcnnParamFile.Layer l) {
        NcnnParamDict p = l.params();
        p.requireOnly(Set.of(0));
        arity(l, 1, 1);
        float slope = p.getFloat(0, 0f);
        return slope == 0f ? x -> one(Torch.clamp(x[0], 0, Double.POSITIVE_INFINITY))
                : x -> one(Torch.leakyRelu(x[0], slope));
    }

    // ---------------------------------------------------------------- resampling

    private static GraphOp interp(NcnnParamFile.Layer l) {
        NcnnParamDict p = l.params();
        p.requireOnly(Set.of(0, 1, 2, 3, 4, 5, 6));
        arity(l, 1, 1);
        check(p.getInt(0, 0) == 1, p, "resize_type " + p.getInt(0, 0) + " is not supported (only 1 = nearest)");
        check(p.getInt(5, 0) == 0, p, "dynamic target size (5=1) is not supported");
        NearestResize resize = new NearestResize(p.getFloat(1, 1f), p.getFloat(2, 1f), p.getInt(3, 0),
                p.getInt(4, 0));
        return x -> one(resize.apply(x[0]));
    }

    /** ncnn {@code Interp} with resize_type 1, index arithmetic in float32 as interp.cpp. */
    private record NearestResize(float heightScale, float widthScale, int outputHeight, int outputWidth) {
        Tensor apply(Tensor x) {
            int h = (int) x.size(2);
            int w = (int) x.size(3);
            boolean sized = outputWidth != 0 && outputHeight != 0;
            int outH = sized ? outputHeight : (int) (h * heightScale);
            int outW = sized ? outputWidth : (int) (w * widthScale);
            if (outH == h && outW == w) {
                return x;
            }
            float hs = outputHeight != 0 ? h / (float) outH : 1f / heightScale;
            float ws = outputWidth != 0 ? w / (float) outW : 1f / widthScale;
            return x.index_select(2, sources(outH, hs, h)).index_select(3, sources(outW, ws, w));
        }

        private static Tensor sources(int out, float step, int in) {
            long[] idx = new long[out];
            for (int i = 0; i < out; i++) {
                idx[i] = Math.min((int) (i * step), in - 1);
            }
            return Torch.fromLongs(idx, out);
        }
    }

    private static GraphOp pixelShuffle(NcnnParamFile.Layer l) {
        NcnnParamDict p = l.params();
        p.requireOnly(Set.of(0, 1));
        arity(l, 1, 1);
        int r = p.getInt(0, 1);
        int mode = p.getInt(1, 0);
        check(r >= 1 && (mode == 0 || mode == 1), p, "upscale_factor " + r + ", mode " + mode);
        return x -> one(pixelShuffle(x[0], r, mode == 0));
    }

    private static Tensor pixelShuffle(Tensor x, int r, boolean channelMajor) {
        long c = x.size(1);
        long h = x.size(2);
        long w = x.size(3);
        if (c % ((long) r * r) != 0) {
            throw new IllegalArgumentException(c + " channels are not a multiple of " + r + "²");
        }
        long oc = c / ((long) r * r);
        Tensor shuffled = channelMajor
                ? x.reshape(1, oc, r, r, h, w).permute(0, 1, 4, 2, 5, 3)
                : x.reshape(1, r, r, oc, h, w).permute(0, 3, 4, 1, 5, 2);
        return shuffled.reshape(1, oc, h * r, w * r);
    }

    // ---------------------------------------------------------------- helpers

    private static Tensor[] one(Tensor t) {
        return new Tensor[] {t};
    }

    private static int square(int w, int h, String what, NcnnParamDict p) {
        check(w == h && w >= 1, p, what + " " + w + "x" + h + " is not supported (only equal, positive values)");
        return w;
    }

    private static void arity(NcnnParamFile.Layer l, int inputs, int outputs) {
        if (l.bottoms().size() != inputs || l.tops().size() != outputs) {
            throw new NcnnFormatException(l.params().where() + ": " + l.bottoms().size() + " inputs / "
                    + l.tops().size() + " outputs, expected " + inputs + " / " + outputs);
        }
    }

    private static boolean allEqual(int a, int b, int c, int d) {
        return a == b && b == c && c == d;
    }

    private static void check(boolean ok, NcnnParamDict p, String message) {
        if (!ok) {
            throw new NcnnFormatException(p.where() + ": " + message);
        }
    }
}
