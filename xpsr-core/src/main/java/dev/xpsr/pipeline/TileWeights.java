package dev.xpsr.pipeline;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

/**
 * Blending weights of XPSR's tiled latent loop: {@code StableDiffusionControlNetPipeline._gaussian_weights}
 * ({@code pipelines/pipeline_xpsr.py}, lines 774–789).
 *
 * <p>Per axis a Gaussian of variance 0.01 in units of the tile size, {@code exp(−(i−m)² / n² / 0.02) / √(0.02π)};
 * the 2-D weights are the outer product (y, x), tiled to (batches, channels, h, w). Computed in float64 like the
 * numpy reference, returned as float32.
 */
public final class TileWeights {
    private static final double VAR = 0.01;

    private TileWeights() {
    }

    /** Weights (batches, channels, tileHeight, tileWidth), float32. */
    public static Tensor gaussian(int tileWidth, int tileHeight, int batches, int channels) {
        if (tileWidth < 1 || tileHeight < 1 || batches < 1 || channels < 1) {
            throw new IllegalArgumentException("sizes must be positive, got tile " + tileWidth + "x" + tileHeight
                    + ", batches " + batches + ", channels " + channels);
        }
        double[] x = probabilities(tileWidth, (tileWidth - 1) / 2.0);
        // pipeline_xpsr.py:785 `midpoint = latent_height / 2` — the y midpoint lacks the −1 of the x midpoint
        double[] y = probabilities(tileHeight, tileHeight / 2.0);
        int plane = tileWidth * tileHeight;
        float[] out = new float[Math.multiplyExact(plane, Math.multiplyExact(batches, channels))];
        for (int r = 0; r < tileHeight; r++) {
            for (int c = 0; c < tileWidth; c++) {
                out[r * tileWidth + c] = (float) (y[r] * x[c]);
            }
        }
        for (int copy = 1; copy < batches * channels; copy++) {
            System.arraycopy(out, 0, out, copy * plane, plane);
        }
        return Torch.fromFloats(out, batches, channels, tileHeight, tileWidth);
    }

    private static double[] probabilities(int n, double midpoint) {
        double[] p = new double[n];
        double norm = Math.sqrt(2 * Math.PI * VAR);
        for (int i = 0; i < n; i++) {
            double d = i - midpoint;
            p[i] = Math.exp(-d * d / ((double) n * n) / (2 * VAR)) / norm;
        }
        return p;
    }
}
