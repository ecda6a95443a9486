package dev.xpsr.metrics;

import dev.xpsr.nn.Conv2d;
import dev.xpsr.nn.Module;
import dev.xpsr.nn.WeightSource;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * torchvision's {@code alexnet().features} and {@code vgg16().features} (configuration 'D') as the perceptual
 * metrics slice them: layer kinds, strides and paddings come from torchvision's definitions, channel counts and
 * kernel sizes from the weight tensors, so reduced-width test networks and the real ones load alike. A slice
 * keeps torchvision's layer index as each module's name ({@code slice2.3.weight} is {@code features.3.weight}).
 */
public final class TorchvisionFeatures {
    private static final Pattern FEATURES_KEY = Pattern.compile("features\\.(\\d+)\\.(weight|bias)");

    private TorchvisionFeatures() {
    }

    /**
     * The name a weight key takes in a metric built of slices: torchvision's {@code features.N.weight|bias} becomes
     * {@code <prefix>K.N.*}, K the 1-based index of the {@code {from, to}} range of {@code ranges} holding N (null
     * for a layer past the last range, which the metric does not use); any other key is kept when {@code own}
     * matches it (the metric's own state-dict keys) and dropped (null) otherwise.
     */
    static String sliceKey(String key, int[][] ranges, String prefix, Pattern own) {
        Matcher m = FEATURES_KEY.matcher(key);
        if (m.matches()) {
            int index = Integer.parseInt(m.group(1));
            for (int k = 0; k < ranges.length; k++) {
                if (index >= ranges[k][0] && index < ranges[k][1]) {
                    return prefix + (k + 1) + "." + key.substring("features.".length());
                }
            }
            return null;
        }
        return own.matcher(key).matches() ? key : null;
    }

    /** The two backbones of LPIPS v0.1 and DISTS. */
    public enum Backbone {
        /** torchvision AlexNet (IMAGENET1K_V1 weights: {@code alexnet-owt-7be5be79.pth}). */
        ALEXNET(new Layer[] {conv(4, 2), RELU, pool(3, 2), conv(1, 2), RELU, pool(3, 2), conv(1, 1), RELU,
                conv(1, 1), RELU, conv(1, 1), RELU, pool(3, 2)}, new long[] {64, 192, 384, 256, 256},
                new long[] {11, 5, 3, 3, 3}),
        /** torchvision VGG16 (IMAGENET1K_V1 weights: {@code vgg16-397923af.pth}). */
        VGG16(vgg16(), new long[] {64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512},
                new long[] {3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3});

        private final Layer[] layers;
        private final long[] convWidths;
        private final long[] convKernels;

        Backbone(Layer[] layers, long[] convWidths, long[] convKernels) {
            this.layers = layers;
            this.convWidths = convWidths;
            this.convKernels = convKernels;
        }

        /**
         * The shapes of torchvision's full-size {@code features.N.weight} (out, in, k, k) and {@code features.N.bias}
         * (out), as its {@code alexnet()} / {@code vgg16()} define them; for random weights of the real size.
         */
        public Map<String, long[]> torchvisionShapes() {
            Map<String, long[]> out = new LinkedHashMap<>();
            long in = 3;
            int conv = 0;
            for (int i = 0; i < layers.length; i++) {
                if (layers[i].kind() == Kind.CONV) {
                    long width = convWidths[conv];
                    out.put("features." + i + ".weight", new long[] {width, in, convKernels[conv], convKernels[conv]});
                    out.put("features." + i + ".bias", new long[] {width});
                    in = width;
                    conv++;
                }
            }
            return out;
        }

        /** Output channels of {@code features[0:to]} of the full-size network. */
        public long torchvisionWidth(int to) {
            long width = 3;
            int conv = 0;
            for (int i = 0; i < to; i++) {
                if (layers[i].kind() == Kind.CONV) {
                    width = convWidths[conv++];
                }
            }
            return width;
        }

        Layer layer(int index) {
            return layers[index];
        }

        int size() {
            return layers.length;
        }
    }

    enum Kind { CONV, RELU, MAX_POOL }

    /** One entry of {@code features}: a convolution (stride, padding), a ReLU or a max pool (kernel, stride). */
    record Layer(Kind kind, int a, int b) {
    }

    private static final Layer RELU = new Layer(Kind.RELU, 0, 0);

    private static Layer conv(int stride, int padding) {
        return new Layer(Kind.CONV, stride, padding);
    }

    private static Layer pool(int kernel, int stride) {
        return new Layer(Kind.MAX_POOL, kernel, stride);
    }

    private static Layer[] vgg16() {
        int[] cfg = {2, 2, 3, 3, 3};
        List<Layer> layers = new ArrayList<>();
        for (int convs : cfg) {
            for (int i = 0; i < convs; i++) {
                layers.add(conv(1, 1));
                layers.add(RELU);
            }
            layers.add(pool(2, 2));
        }
        return layers.toArray(new Layer[0]);
    }

    /**
     * {@code features[from:to]} as one module: its convolutions are built from {@code weights} keys
     * {@code <prefix>N.weight} (shape (out, in, k, k)); a max pool whose index is in {@code l2Pools} becomes
     * DISTS's L2 pooling over the channels of the layer before it.
     */
    static final class Slice extends Module {
        private final Backbone backbone;
        private final int from;
        private final int to;
        private final Module[] modules;
        private final long outChannels;

        Slice(Backbone backbone, int from, int to, WeightSource weights, String prefix, boolean l2Pools,
                long inChannels) {
            this.backbone = backbone;
            this.from = from;
            this.to = to;
            this.modules = new Module[to - from];
            long channels = inChannels;
            for (int i = from; i < to; i++) {
                Layer layer = backbone.layer(i);
                if (layer.kind() == Kind.CONV) {
                    long[] s = shape(weights, prefix + i + ".weight");
                    modules[i - from] = child(Integer.toString(i), new Conv2d(s[1], s[0], s[2], layer.a(), layer.b()));
                    channels = s[0];
                } else if (layer.kind() == Kind.MAX_POOL && l2Pools) {
                    modules[i - from] = child(Integer.toString(i), new L2Pooling(channels));
                }
            }
            this.outChannels = channels;
        }

        /** Channels of the slice's output. */
        long outChannels() {
            return outChannels;
        }

        /** The slice's output; its intermediate activations are freed on return. */
        Tensor forward(Tensor x) {
            return Torch.scoped(() -> {
                Tensor h = x;
                for (int i = from; i < to; i++) {
                    Layer layer = backbone.layer(i);
                    Module m = modules[i - from];
                    h = switch (layer.kind()) {
                        case CONV -> ((Conv2d) m).forward(h);
                        // torchvision's ReLU(inplace=True): the convolution's output is not needed again
                        case RELU -> h.relu_();
                        case MAX_POOL -> m != null ? ((L2Pooling) m).forward(h)
                                : Torch.maxPool2d(h, layer.a(), layer.b());
                    };
                }
                return h;
            });
        }

        private static long[] shape(WeightSource weights, String key) {
            if (!weights.keys().contains(key)) {
                throw new IllegalArgumentException(weights.describe() + " has no '" + key + "' (the backbone's "
                        + "convolution weights); give the torchvision backbone file or a file holding the whole "
                        + "network");
            }
            long[] s = weights.info(key).shape();
            if (s.length != 4 || s[2] != s[3]) {
                throw new IllegalArgumentException(weights.describe() + ": '" + key + "' has shape "
                        + Arrays.toString(s) + ", not a square convolution kernel");
            }
            return s;
        }
    }

    /**
     * DISTS's {@code L2pooling(filter_size=5, stride=2, padding=1)}: √(w ⊛ x² + 1e-12) per channel, stride 2,
     * w = the outer product of {@code np.hanning(5)[1:-1]} = (½, 1, ½), normalised to sum 1.
     */
    static final class L2Pooling extends Module {
        private final Tensor filter;

        L2Pooling(long channels) {
            this.filter = buffer("filter", defaultFilter(channels));
        }

        /** The reference's filter for {@code channels} channels, (C, 1, 3, 3) float32. */
        static Tensor defaultFilter(long channels) {
            double[] hanning = new double[5];
            for (int n = 0; n < 5; n++) {
                hanning[n] = 0.5 - 0.5 * StrictMath.cos(2 * Math.PI * n / 4);
            }
            float[] g = new float[9];
            float sum = 0;
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    g[i * 3 + j] = (float) (hanning[i + 1] * hanning[j + 1]);
                    sum += g[i * 3 + j];
                }
            }
            for (int i = 0; i < 9; i++) {
                g[i] /= sum;
            }
            return Torch.fromFloats(g, 1, 1, 3, 3).repeat(channels, 1, 1, 1);
        }

        Tensor forward(Tensor x) {
            Tensor out = Torch.conv2d(x.mul(x), filter, null, 2, 1, 1, x.size(1));
            return Torch.add(out, 1e-12).sqrt();
        }
    }
}
