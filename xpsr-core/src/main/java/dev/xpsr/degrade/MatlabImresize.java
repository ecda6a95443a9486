package dev.xpsr.degrade;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.Arrays;

/**
 * BasicSR 1.4.2 {@code basicsr/utils/matlab_functions.py imresize}: MATLAB's bicubic {@code imresize} with
 * antialiasing, on a (C, H, W) float tensor (or (H, W)) → (C, ⌈H·s⌉, ⌈W·s⌉), no rounding.
 *
 * <p>Per axis ({@code calculate_weights_indices}), for output pixel x = 1…out (1-based):
 * u = x/s + ½(1 − 1/s); taps j = ⌊u − w/2⌋ + 0…⌈w⌉+1 with kernel width w = 4 (4/s when s &lt; 1 and
 * antialiasing); weight = cubic(u − j) (s·cubic(s·(u − j)) when antialiasing a downscale), each row normalised
 * to sum 1, where cubic is Keys' kernel with a = −0.5. Taps outside the image read its mirror image
 * (symmetric, edge repeated). Rows are resized first, then columns. The weights are computed in float32 as the
 * reference's torch code does, so the same taps survive.
 */
public final class MatlabImresize {
    private static final int KERNEL_WIDTH = 4;

    private MatlabImresize() {
    }

    /** {@code imresize(img, scale, antialiasing)} for a (C, H, W) or (H, W) tensor in [0, 1]. */
    public static Tensor imresize(Tensor img, double scale, boolean antialiasing) {
        boolean plane = img.dim() == 2;
        Tensor x = plane ? img.unsqueeze(0) : img;
        int inH = (int) x.size(1);
        int inW = (int) x.size(2);
        int outH = (int) Math.ceil(inH * scale);
        int outW = (int) Math.ceil(inW * scale);
        Tensor rows = resizeMatrix(inH, outH, scale, antialiasing);
        Tensor cols = resizeMatrix(inW, outW, scale, antialiasing);
        Tensor xf = x.to(ScalarType.Float);
        Tensor out = rows.to(xf).matmul(xf).matmul(cols.to(xf).t());
        return plane ? out.squeeze(0) : out;
    }

    /** The (out, in) float32 matrix of one axis: row i holds output pixel i's weights on the input pixels. */
    static Tensor resizeMatrix(int in, int out, double scale, boolean antialiasing) {
        Axis axis = Axis.compute(in, out, scale, antialiasing);
        float[] m = new float[out * in];
        for (int i = 0; i < out; i++) {
            for (int t = 0; t < axis.taps; t++) {
                int source = mirror(axis.first[i] + t, in);
                m[i * in + source] += axis.weights[i][t];
            }
        }
        return Torch.fromFloats(m, out, in);
    }

    /**
     * The symmetric extension of imresize's {@code img_aug}: 0-based tap index j (may be negative or ≥ n)
     * → the pixel it copies.
     */
    private static int mirror(int j, int n) {
        if (j < 0) {
            if (-j > n) {
                throw new IllegalArgumentException("image of size " + n + " is too small for the resize kernel");
            }
            return -j - 1;
        }
        if (j >= n) {
            if (j >= 2 * n) {
                throw new IllegalArgumentException("image of size " + n + " is too small for the resize kernel");
            }
            return 2 * n - 1 - j;
        }
        return j;
    }

    /** {@code calculate_weights_indices} for one axis: per output pixel, the first 0-based tap and its weights. */
    private record Axis(int[] first, float[][] weights, int taps) {
        static Axis compute(int in, int out, double scale, boolean antialiasing) {
            boolean widen = scale < 1 && antialiasing;
            double kernelWidth = widen ? KERNEL_WIDTH / scale : KERNEL_WIDTH;
            int p = (int) Math.ceil(kernelWidth) + 2;
            float fScale = (float) scale;
            float shift = (float) (0.5 * (1 - 1 / scale));
            float halfWidth = (float) (kernelWidth / 2);
            float[] left = new float[out];
            float[][] w = new float[out][p];
            for (int i = 0; i < out; i++) {
                float u = (float) (i + 1) / fScale + shift;
                left[i] = (float) Math.floor(u - halfWidth);
                w[i] = rowWeights(u, left[i], p, widen, fScale);
            }
            return trimmed(left, w, p);
        }

        private static float[] rowWeights(float u, float left, int p, boolean widen, float scale) {
            float[] w = new float[p];
            float sum = 0;
            for (int t = 0; t < p; t++) {
                float distance = u - (left + t);
                w[t] = widen ? scale * cubic(distance * scale) : cubic(distance);
                sum += w[t];
            }
            for (int t = 0; t < p; t++) {
                w[t] /= sum;
            }
            return w;
        }

        // matlab_functions.py calculate_weights_indices: an edge column is trimmed when ANY row has an exactly
        // zero weight there, and each trim is narrow(.., p - 2): trimming the first column keeps columns
        // 1..p-2 (so the last goes too), trimming only the last keeps 0..p-3
        private static Axis trimmed(float[] left, float[][] w, int p) {
            boolean dropFirst = false;
            boolean dropLast = false;
            for (float[] row : w) {
                dropFirst |= row[0] == 0;
                dropLast |= row[p - 1] == 0;
            }
            int from = dropFirst ? 1 : 0;
            int taps = dropFirst || dropLast ? p - 2 : p;
            int[] first = new int[left.length];
            float[][] kept = new float[left.length][];
            for (int i = 0; i < left.length; i++) {
                // 1-based MATLAB index → 0-based pixel index
                first[i] = (int) left[i] + from - 1;
                kept[i] = Arrays.copyOfRange(w[i], from, from + taps);
            }
            return new Axis(first, kept, taps);
        }
    }

    /** Keys' cubic convolution kernel with a = −0.5, in the reference's float32 operation order. */
    private static float cubic(float x) {
        float ax = Math.abs(x);
        float ax2 = ax * ax;
        float ax3 = ax * ax * ax;
        if (ax <= 1) {
            return 1.5f * ax3 - 2.5f * ax2 + 1;
        }
        if (ax <= 2) {
            return -0.5f * ax3 + 2.5f * ax2 - 4 * ax + 2;
        }
        return 0;
    }
}
