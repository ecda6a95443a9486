package dev.xpsr.baseline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Builds a {@link LayerGraph} from a {@link TfjsLayersModel}, with Keras 2.10 semantics on NCHW tensors.
 *
 * <p>Keras works channels-last (NHWC) with HWIO kernels; here every blob is (1, C, H, W) and kernels are
 * permuted once to OIHW, so the caller feeds (1, 3, H, W) and gets (1, 3, sH, sW). Supported layers:
 * <ul>
 *   <li>{@code InputLayer}: the network input.</li>
 *   <li>{@code Conv2D}: {@code filters}, {@code kernel_size}, equal {@code strides} and {@code dilation_rate},
 *       {@code groups} 1, {@code channels_last}, {@code use_bias}, activation {@code linear} or {@code relu};
 *       padding {@code valid} (none) or {@code same} (TensorFlow's rule: total = max((⌈in/s⌉−1)·s + (k−1)·d + 1
 *       − in, 0), the smaller half before, the larger after, zeros).</li>
 *   <li>{@code Activation}: {@code relu} or {@code linear}.</li>
 *   <li>{@code Concatenate}: along its NHWC {@code axis} (3 or −1 is the channel axis).</li>
 *   <li>{@code Add}: the sum of its inputs, left to right.</li>
 *   <li>{@code UpSampling2D} with {@code interpolation = nearest}: each pixel repeated {@code size} times per
 *       axis (Keras's {@code repeat_elements}).</li>
 * </ul>
 * Any other class or option is rejected with the layer named; so is a weight in the manifest that no layer uses.
 */
public final class KerasGraphBuilder {
    /** The Keras layer classes this builder runs. */
    public static final List<String> SUPPORTED_CLASSES = List.of("InputLayer", "Conv2D", "Activation",
            "Concatenate", "Add", "UpSampling2D");
    /** NHWC axis → NCHW dimension. */
    private static final long[] NCHW_DIM = {0, 2, 3, 1};

    private KerasGraphBuilder() {
    }

    public static LayerGraph build(TfjsLayersModel model) {
        List<LayerGraph.Node> nodes = new ArrayList<>();
        GraphWeights weights = new GraphWeights();
        try {
            return build(model, nodes, weights);
        } catch (TfjsFormatException e) {
            weights.release();
            // a layer's refusal names the layer; the user also needs the file it came from
            String file = model.file().toString();
            throw e.getMessage().startsWith(file) ? e : new TfjsFormatException(file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            weights.release();
            throw e;
        }
    }

    private static LayerGraph build(TfjsLayersModel model, List<LayerGraph.Node> nodes, GraphWeights weights) {
        for (TfjsLayersModel.Layer l : model.layers()) {
            if (l.className().equals("InputLayer")) {
                check(l.name().equals(model.inputLayer()), l, "is not the model's input layer");
                continue;
            }
            nodes.add(new LayerGraph.Node(l.name(), l.className(), l.inbound(), List.of(l.name()),
                    op(l, model, weights)));
        }
        if (!model.unusedWeights().isEmpty()) {
            throw new TfjsFormatException(model.file() + ": weights no layer uses: " + model.unusedWeights());
        }
        try {
            return new LayerGraph(model.file().toString(), model.inputLayer(), model.outputLayer(), nodes, weights);
        } catch (IllegalArgumentException miswired) { // a layer reads what none writes: the file's fault
            throw new TfjsFormatException(miswired.getMessage());
        }
    }

    private static GraphOp op(TfjsLayersModel.Layer l, TfjsLayersModel model, GraphWeights weights) {
        return switch (l.className()) {
            case "Conv2D" -> conv2d(l, model, weights);
            case "Activation" -> activation(l);
            case "Concatenate" -> concatenate(l);
            case "Add" -> add(l);
            case "UpSampling2D" -> upSampling(l);
            default -> throw new TfjsFormatException(model.file() + ": layer '" + l.name() + "' has unsupported"
                    + " Keras class '" + l.className() + "' (supported: " + SUPPORTED_CLASSES + ")");
        };
    }

    // ---------------------------------------------------------------- Conv2D

    private static GraphOp conv2d(TfjsLayersModel.Layer l, TfjsLayersModel model, GraphWeights weights) {
        JsonNode c = l.config();
        inputs(l, 1);
        channelsLast(l);
        check(c.path("groups").asInt(1) == 1, l, "groups " + c.path("groups") + " is not supported");
        int stride = square(c.path("strides"), "strides", l);
        int dilation = square(c.path("dilation_rate"), "dilation_rate", l);
        String padding = c.path("padding").asText();
        check(padding.equals("same") || padding.equals("valid"), l, "padding '" + padding + "' is not supported");
        Tensor kernel = weights.own(kernel(model.weight(l.name() + "/kernel"), l));
        Tensor bias = c.path("use_bias").asBoolean(true) ? constant(model.weight(l.name() + "/bias"), weights)
                : null;
        check(kernel.size(0) == c.path("filters").asLong(), l, "kernel has " + kernel.size(0) + " filters, config "
                + c.path("filters"));
        UnaryOperator<Tensor> act = activationFunction(c.path("activation").asText(), l);
        SamePadding same = padding.equals("same")
                ? new SamePadding((int) kernel.size(2), (int) kernel.size(3), stride, dilation) : null;
        return x -> one(act.apply(same == null ? Torch.conv2d(x[0], kernel, bias, stride, 0, dilation, 1)
                : same.conv(x[0], kernel, bias)));
    }

    private static Tensor constant(TfjsLayersModel.Weight w, GraphWeights weights) {
        return weights.constant(w.values(), w.shape());
    }

    /** HWIO (kh, kw, in, out) → OIHW. */
    private static Tensor kernel(TfjsLayersModel.Weight w, TfjsLayersModel.Layer l) {
        check(w.shape().length == 4, l, "kernel of rank " + w.shape().length);
        return Torch.fromFloats(w.values(), w.shape()).permute(3, 2, 0, 1).contiguous();
    }

    /** TensorFlow's SAME padding for one input size. */
    private record SamePadding(int kernelH, int kernelW, int stride, int dilation) {
        /**
         * The convolution of the padded input: equal borders on all sides are left to the convolution (no padded
         * copy), others are padded explicitly first.
         */
        Tensor conv(Tensor x, Tensor kernel, Tensor bias) {
            int[] h = split((int) x.size(2), kernelH);
            int[] w = split((int) x.size(3), kernelW);
            if (h[0] == h[1] && w[0] == w[1] && h[0] == w[0]) {
                return Torch.conv2d(x, kernel, bias, stride, h[0], dilation, 1);
            }
            return Torch.conv2d(Torch.pad(x, w[0], w[1], h[0], h[1]), kernel, bias, stride, 0, dilation, 1);
        }

        private int[] split(int in, int kernel) {
            int out = (in + stride - 1) / stride;
            int total = Math.max((out - 1) * stride + (kernel - 1) * dilation + 1 - in, 0);
            return new int[] {total / 2, total - total / 2};
        }
    }

    // ---------------------------------------------------------------- other layers

    private static GraphOp activation(TfjsLayersModel.Layer l) {
        inputs(l, 1);
        UnaryOperator<Tensor> f = activationFunction(l.config().path("activation").asText(), l);
        return x -> one(f.apply(x[0]));
    }

    private static UnaryOperator<Tensor> activationFunction(String name, TfjsLayersModel.Layer l) {
        return switch (name) {
            case "linear" -> x -> x;
            case "relu" -> x -> Torch.clamp(x, 0, Double.POSITIVE_INFINITY);
            default -> throw new TfjsFormatException("layer '" + l.name() + "': activation '" + name
                    + "' is not supported (linear, relu)");
        };
    }

    private static GraphOp concatenate(TfjsLayersModel.Layer l) {
        check(l.inbound().size() >= 2, l, "needs at least two inputs");
        int axis = l.config().path("axis").asInt(-1);
        int positive = axis < 0 ? 4 + axis : axis;
        check(positive >= 1 && positive <= 3, l, "axis " + axis + " is not a spatial or channel axis");
        long dim = NCHW_DIM[positive];
        return x -> one(Torch.cat(dim, x));
    }

    private static GraphOp add(TfjsLayersModel.Layer l) {
        check(l.inbound().size() >= 2, l, "needs at least two inputs");
        return x -> {
            Tensor sum = x[0].add(x[1]);
            for (int i = 2; i < x.length; i++) {
                sum = sum.add(x[i]);
            }
            return one(sum);
        };
    }

    private static GraphOp upSampling(TfjsLayersModel.Layer l) {
        inputs(l, 1);
        channelsLast(l);
        JsonNode c = l.config();
        check(c.path("interpolation").asText("nearest").equals("nearest"), l,
                "interpolation '" + c.path("interpolation").asText() + "' is not supported (nearest)");
        long sh = c.path("size").get(0).asLong();
        long sw = c.path("size").get(1).asLong();
        check(sh >= 1 && sw >= 1, l, "size " + c.path("size"));
        return x -> one(repeat(x[0], sh, sw));
    }

    /** Nearest upsampling by integer factors: (N, C, H, W) → (N, C, sh·H, sw·W), each value repeated. */
    private static Tensor repeat(Tensor x, long sh, long sw) {
        long n = x.size(0);
        long c = x.size(1);
        long h = x.size(2);
        long w = x.size(3);
        return x.reshape(n, c, h, 1, w, 1).expand(n, c, h, sh, w, sw).reshape(n, c, h * sh, w * sw);
    }

    // ---------------------------------------------------------------- checks

    private static void inputs(TfjsLayersModel.Layer l, int n) {
        check(l.inbound().size() == n, l, "has " + l.inbound().size() + " inputs, expected " + n);
    }

    private static void channelsLast(TfjsLayersModel.Layer l) {
        String format = l.config().path("data_format").asText("channels_last");
        check(format.equals("channels_last"), l, "data_format '" + format + "' is not supported");
    }

    private static int square(JsonNode pair, String what, TfjsLayersModel.Layer l) {
        if (pair.isMissingNode()) {
            return 1;
        }
        check(pair.isArray() && pair.size() == 2, l, what + " " + pair + " is not a pair [h, w]");
        int a = pair.get(0).asInt();
        int b = pair.get(1).asInt();
        check(a == b && a >= 1, l, what + " " + pair + " is not supported (only equal, positive values)");
        return a;
    }

    private static Tensor[] one(Tensor t) {
        return new Tensor[] {t};
    }

    private static void check(boolean ok, TfjsLayersModel.Layer l, String message) {
        if (!ok) {
            throw new TfjsFormatException("layer '" + l.name() + "' (" + l.className() + "): " + message);
        }
    }
}
