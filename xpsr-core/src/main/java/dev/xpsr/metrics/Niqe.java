package dev.xpsr.metrics;

import dev.xpsr.io.RgbImage;
import dev.xpsr.torch.ImageTensors;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * NIQE, the "completely blind" natural image quality evaluator (Mittal et al. 2013), exactly as BasicSR 1.4.2's
 * {@code basicsr/metrics/niqe.py calculate_niqe(img, crop_border, 'HWC', convert_to='y')} computes it, with the
 * pristine model of {@code niqe_pris_params.npz}. Lower is better.
 *
 * <ol>
 *   <li>Y = round(BT.601 Y of the BGR image, as {@code to_y_channel}) in float32, crop border, then cropped to
 *       whole 96×96 blocks (top-left).</li>
 *   <li>At scale 1 and 2 (the scale-1 image ÷255, MATLAB bicubic {@code imresize(·, 0.5)} with antialiasing,
 *       ×255): MSCN = (I − μ) / (σ + 1) with μ = w ⊛ I, σ = √|w ⊛ I² − μ²| and w the file's 7×7 Gaussian
 *       ({@code scipy.ndimage.convolve}, mode {@code nearest}).</li>
 *   <li>Per block (96×96, then 48×48; columns outer, rows inner): an AGGD fit of the MSCN values (α, (βl+βr)/2)
 *       and of its products with the 4 neighbours (H, V, D1, D2 via {@code np.roll}: α, mean, βl, βr) —
 *       18 features per scale, 36 per block. The AGGD shape α is the argmin over the grid 0.2, 0.201, …, 10
 *       of (r(α) − r̂)², r(α) = Γ(2/α)² / (Γ(1/α)Γ(3/α)).</li>
 *   <li>NIQE = √((μp − μ)ᵀ pinv((Σp + Σ)/2) (μp − μ)) with μ, Σ the mean ({@code nanmean}) and covariance
 *       ({@code np.cov}) of the block features and μp, Σp the pristine model.</li>
 * </ol>
 * The reference works in float32 up to the features (numpy keeps the image's float32 through
 * {@code convolve}, squares, means and the torch resize); this port repeats that arithmetic, including numpy's
 * pairwise float32 summation and the resize's summation order, so the features agree bit for bit with the
 * reference's. (The scale-2 features are ill-conditioned: a one-ulp change of the resized image moves them by up
 * to 1e-4 and can move an AGGD shape by a grid step.)
 */
public final class Niqe implements Metric {
    /** The parameter file's name, as BasicSR ships it next to {@code niqe.py}. */
    public static final String PARAMS_FILE = "niqe_pris_params.npz";
    static final int BLOCK = 96;
    static final int FEATURES_PER_SCALE = 18;
    private static final int[][] SHIFTS = {{0, 1}, {1, 0}, {1, 1}, {1, -1}};
    private static final AggdGrid GRID = new AggdGrid();
    /** BasicSR imresize's antialiased cubic taps for a factor ½ (see {@link #halve}). */
    private static final float[] HALF_TAPS = {-3 / 256f, -9 / 256f, 29 / 256f, 111 / 256f, 111 / 256f, 29 / 256f,
            -9 / 256f, -3 / 256f};

    private final double[] muPris;
    private final double[][] covPris;
    private final double[] window;
    private final int windowSize;
    private final int cropBorder;
    private final String source;

    private Niqe(double[] muPris, double[][] covPris, double[] window, int windowSize, int cropBorder,
            String source) {
        this.muPris = muPris;
        this.covPris = covPris;
        this.window = window;
        this.windowSize = windowSize;
        this.cropBorder = cropBorder;
        this.source = source;
    }

    /**
     * Reads the pristine model ({@code mu_pris_param} (1, 36), {@code cov_pris_param} (36, 36),
     * {@code gaussian_window} (k, k)) from BasicSR's {@code niqe_pris_params.npz}.
     */
    public static Niqe load(Path paramsFile, int cropBorder) throws IOException {
        if (cropBorder < 0) {
            throw new IllegalArgumentException("crop border must be >= 0, got " + cropBorder);
        }
        NpzFile npz = NpzFile.read(paramsFile);
        double[] mu = npz.get("mu_pris_param").values();
        NpzFile.Array cov = npz.get("cov_pris_param");
        NpzFile.Array win = npz.get("gaussian_window");
        long[] ws = win.shape();
        int features = 2 * FEATURES_PER_SCALE;
        if (mu.length != features || !Arrays.equals(cov.shape(), new long[] {features, features}) || ws.length != 2
                || ws[0] != ws[1] || ws[0] % 2 == 0) {
            throw new IOException(paramsFile + ": expected mu (1, 36), cov (36, 36) and an odd square window, found "
                    + mu.length + " values, " + Arrays.toString(cov.shape()) + " and " + Arrays.toString(ws));
        }
        return new Niqe(mu, cov.matrix(), win.values(), (int) ws[0], cropBorder,
                paramsFile.getFileName().toString());
    }

    @Override
    public String name() {
        return "niqe";
    }

    @Override
    public String description() {
        return "NIQE, BasicSR 1.4.2 calculate_niqe (rounded BT.601 Y, 96x96 blocks, crop border " + cropBorder
                + ", pristine model " + source + ")";
    }

    @Override
    public boolean higherIsBetter() {
        return false;
    }

    @Override
    public boolean needsReference() {
        return false;
    }

    @Override
    public double score(RgbImage image, RgbImage reference) {
        ImagePairs.check(this, image, null);
        return quality(features(roundedY(image)));
    }

    /** {@code to_y_channel}, crop border and {@code round()}: the integer-valued float32 plane NIQE analyses. */
    public FloatPlane roundedY(RgbImage image) {
        try (PointerScope scope = new PointerScope()) {
            Tensor y = Luma.crop(Luma.basicsrY(ImageTensors.toTensor(image)), cropBorder).round();
            return new FloatPlane((int) y.size(2), (int) y.size(3), Torch.toFloats(y));
        }
    }

    /**
     * The block features (n_blocks × 36: 18 at scale 1, then 18 at scale 2; blocks column by column) of a
     * rounded Y plane.
     */
    public double[][] features(FloatPlane y) {
        int blocksH = y.height() / BLOCK;
        int blocksW = y.width() / BLOCK;
        if (blocksH == 0 || blocksW == 0) {
            throw new IllegalArgumentException("NIQE needs at least one " + BLOCK + "x" + BLOCK + " block, the image "
                    + "is " + y.width() + "x" + y.height() + " after the crop border");
        }
        FloatPlane img = y.crop(blocksH * BLOCK, blocksW * BLOCK);
        double[][] out = new double[blocksH * blocksW][2 * FEATURES_PER_SCALE];
        for (int scale = 1; scale <= 2; scale++) {
            double[][] f = blockFeatures(mscn(img), BLOCK / scale, blocksH, blocksW);
            for (int b = 0; b < out.length; b++) {
                System.arraycopy(f[b], 0, out[b], (scale - 1) * FEATURES_PER_SCALE, FEATURES_PER_SCALE);
            }
            if (scale == 1) {
                img = halve(img);
            }
        }
        return out;
    }

    /** The NIQE distance of the block features to the pristine model. */
    public double quality(double[][] features) {
        int d = muPris.length;
        double[] mu = nanMean(features, d);
        double[][] cov = covariance(withoutNanRows(features), d);
        double[][] avg = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                avg[i][j] = (covPris[i][j] + cov[i][j]) / 2;
            }
        }
        double[][] inv = SymmetricMatrices.pinv(avg);
        double[] diff = new double[d];
        for (int i = 0; i < d; i++) {
            diff[i] = muPris[i] - mu[i];
        }
        double q = 0;
        for (int j = 0; j < d; j++) {
            double t = 0;
            for (int i = 0; i < d; i++) {
                t += diff[i] * inv[i][j];
            }
            q += t * diff[j];
        }
        return Math.sqrt(q);
    }

    /**
     * Mean-subtracted contrast-normalised coefficients in float32: μ and w ⊛ I² by
     * {@code scipy.ndimage.convolve(·, w, mode='nearest')} (float64 accumulation, float32 output), then
     * (I − μ) / (√|w ⊛ I² − μ²| + 1).
     */
    FloatPlane mscn(FloatPlane img) {
        float[] v = img.values();
        float[] sq = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            sq[i] = v[i] * v[i];
        }
        float[] mu = convolveNearest(v, img.height(), img.width());
        float[] musq = convolveNearest(sq, img.height(), img.width());
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            float sigma = (float) Math.sqrt(Math.abs(musq[i] - mu[i] * mu[i]));
            out[i] = (v[i] - mu[i]) / (sigma + 1f);
        }
        return new FloatPlane(img.height(), img.width(), out);
    }

    /**
     * {@code scipy.ndimage.convolve(x, w, mode='nearest')} on float32 input: correlation with the flipped window,
     * taps in row-major order accumulated in float64 from 0, edge pixels repeated, output rounded to float32.
     */
    private float[] convolveNearest(float[] x, int h, int w) {
        int k = windowSize;
        int half = k / 2;
        double[] flipped = new double[k * k];
        for (int i = 0; i < k * k; i++) {
            flipped[i] = window[k * k - 1 - i];
        }
        float[] out = new float[x.length];
        for (int r = 0; r < h; r++) {
            for (int c = 0; c < w; c++) {
                double acc = 0;
                for (int a = 0; a < k; a++) {
                    int rr = Math.min(Math.max(r + a - half, 0), h - 1);
                    for (int b = 0; b < k; b++) {
                        int cc = Math.min(Math.max(c + b - half, 0), w - 1);
                        acc += x[rr * w + cc] * flipped[a * k + b];
                    }
                }
                out[r * w + c] = (float) acc;
            }
        }
        return out;
    }

    /** Features of every block of size {@code size}, columns of blocks outer, rows inner (as the reference loops). */
    private static double[][] blockFeatures(FloatPlane mscn, int size, int blocksH, int blocksW) {
        double[][] out = new double[blocksH * blocksW][];
        int b = 0;
        for (int bw = 0; bw < blocksW; bw++) {
            for (int bh = 0; bh < blocksH; bh++) {
                out[b++] = blockFeature(mscn.block(bh * size, bw * size, size, size));
            }
        }
        return out;
    }

    /** {@code compute_feature}: AGGD of the block, then of its products with the four rolled neighbours. */
    static double[] blockFeature(FloatPlane block) {
        double[] feat = new double[FEATURES_PER_SCALE];
        double[] p = GRID.fit(block.values());
        feat[0] = p[0];
        feat[1] = (p[1] + p[2]) / 2;
        int n = 2;
        for (int[] shift : SHIFTS) {
            double[] q = GRID.fit(productWithRolled(block, shift[0], shift[1]));
            // niqe.py compute_feature, Eq. 8: mean = (beta_r - beta_l) * Γ(2/α) / Γ(1/α)
            double mean = (q[2] - q[1]) * (GammaFunction.gamma(2 / q[0]) / GammaFunction.gamma(1 / q[0]));
            feat[n++] = q[0];
            feat[n++] = mean;
            feat[n++] = q[1];
            feat[n++] = q[2];
        }
        return feat;
    }

    /** {@code block * np.roll(block, (dy, dx), axis=(0, 1))}: neighbours wrap around the block's edges. */
    private static float[] productWithRolled(FloatPlane block, int dy, int dx) {
        int h = block.height();
        int w = block.width();
        float[] v = block.values();
        float[] out = new float[v.length];
        for (int r = 0; r < h; r++) {
            int sr = Math.floorMod(r - dy, h);
            for (int c = 0; c < w; c++) {
                out[r * w + c] = v[r * w + c] * v[sr * w + Math.floorMod(c - dx, w)];
            }
        }
        return out;
    }

    /** The scale-2 image: {@code imresize(img / 255., scale=0.5, antialiasing=True) * 255.} in float32. */
    /**
     * The scale-2 image, {@code imresize(img / 255., scale=0.5, antialiasing=True) * 255.} in float32.
     *
     * <p>For a factor ½ BasicSR's antialiased cubic has 8 taps per output pixel, the same for every pixel and
     * exact in binary: ½·cubic(½·d) for d = 3.5 … −3.5, i.e. (−3, −9, 29, 111, 111, 29, −9, −3)/256, starting
     * at input 2o − 3 for output o, mirrored at the borders (MATLAB's symmetric padding). The sums follow the
     * reference's float32 order, which the scale-2 features are sensitive to (an MSCN coefficient moves by
     * 1e-4 for a 1-ulp change of the image): rows by {@code mv} through BLAS {@code sgemv_n} (taps in two
     * groups of four, each summed left to right, then added), columns by {@code sgemv_t} (taps summed left to
     * right). This order reproduces every stored scale-2 feature of the golden fixture exactly.
     */
    private static FloatPlane halve(FloatPlane img) {
        int h = img.height();
        int w = img.width();
        int oh = (h + 1) / 2;
        int ow = (w + 1) / 2;
        float[] unit = img.values();
        for (int i = 0; i < unit.length; i++) {
            unit[i] = unit[i] / 255f;
        }
        float[] rows = new float[oh * w];
        float[] taps = new float[HALF_TAPS.length];
        for (int o = 0; o < oh; o++) {
            for (int c = 0; c < w; c++) {
                for (int t = 0; t < taps.length; t++) {
                    taps[t] = unit[mirror(2 * o - 3 + t, h) * w + c];
                }
                rows[o * w + c] = sumInFours(taps);
            }
        }
        float[] out = new float[oh * ow];
        for (int r = 0; r < oh; r++) {
            for (int o = 0; o < ow; o++) {
                float s = 0f;
                for (int t = 0; t < HALF_TAPS.length; t++) {
                    s += rows[r * w + mirror(2 * o - 3 + t, w)] * HALF_TAPS[t];
                }
                out[r * ow + o] = s * 255f;
            }
        }
        return new FloatPlane(oh, ow, out);
    }

    /** Σ taps·weights as OpenBLAS's generic {@code sgemv_n} kernel adds them: two left-to-right groups of four. */
    private static float sumInFours(float[] taps) {
        float y = 0f;
        for (int g = 0; g < taps.length; g += 4) {
            y += ((taps[g] * HALF_TAPS[g] + taps[g + 1] * HALF_TAPS[g + 1]) + taps[g + 2] * HALF_TAPS[g + 2])
                    + taps[g + 3] * HALF_TAPS[g + 3];
        }
        return y;
    }

    /** MATLAB's symmetric extension (edge pixel repeated) of 0-based index {@code j} into {@code [0, n)}. */
    private static int mirror(int j, int n) {
        if (j < 0) {
            return -j - 1;
        }
        return j >= n ? 2 * n - 1 - j : j;
    }

    /** {@code np.nanmean(x, axis=0)}: per column, the sum of the non-NaN rows in order over their count. */
    private static double[] nanMean(double[][] x, int d) {
        double[] mean = new double[d];
        for (int j = 0; j < d; j++) {
            double sum = 0;
            int count = 0;
            for (double[] row : x) {
                if (!Double.isNaN(row[j])) {
                    sum += row[j];
                    count++;
                }
            }
            mean[j] = sum / count;
        }
        return mean;
    }

    private static double[][] withoutNanRows(double[][] x) {
        return Arrays.stream(x).filter(r -> Arrays.stream(r).noneMatch(Double::isNaN))
                .toArray(double[][]::new);
    }

    /** {@code np.cov(x, rowvar=False)}: centred products over n − 1 (multiplied by 1/(n − 1), as numpy does). */
    private static double[][] covariance(double[][] x, int d) {
        int n = x.length;
        if (n < 2) {
            throw new IllegalArgumentException("NIQE needs at least two " + BLOCK + "x" + BLOCK + " blocks without "
                    + "NaN features to estimate a covariance (BasicSR fails on such images too); got " + n);
        }
        double[] avg = new double[d];
        for (int j = 0; j < d; j++) {
            double s = 0;
            for (double[] row : x) {
                s += row[j];
            }
            avg[j] = s / n;
        }
        double factor = 1.0 / (n - 1);
        double[][] cov = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double s = 0;
                for (double[] row : x) {
                    s += (row[i] - avg[i]) * (row[j] - avg[j]);
                }
                cov[i][j] = s * factor;
            }
        }
        return cov;
    }

    /**
     * BasicSR's {@code estimate_aggd_param}: the precomputed grid and the fit, with the reference's float32
     * statistics.
     */
    private static final class AggdGrid {
        private final double[] gam;
        private final double[] rGam;

        AggdGrid() {
            // np.arange(0.2, 10.001, 0.001): a[0] = start, a[1] = start + step, then start + i·(a[1] − a[0])
            int n = (int) Math.ceil((10.001 - 0.2) / 0.001);
            gam = new double[n];
            gam[0] = 0.2;
            gam[1] = 0.2 + 0.001;
            double delta = gam[1] - gam[0];
            for (int i = 2; i < n; i++) {
                gam[i] = 0.2 + i * delta;
            }
            rGam = new double[n];
            for (int i = 0; i < n; i++) {
                double reciprocal = 1 / gam[i];
                double g2 = GammaFunction.gamma(reciprocal * 2);
                rGam[i] = (g2 * g2) / (GammaFunction.gamma(reciprocal) * GammaFunction.gamma(reciprocal * 3));
            }
        }

        /** {α, βl, βr} of the values (float32 means as numpy takes them). */
        double[] fit(float[] block) {
            int n = block.length;
            float[] neg = new float[n];
            float[] pos = new float[n];
            float[] abs = new float[n];
            float[] sq = new float[n];
            int nn = 0;
            int np = 0;
            for (float v : block) {
                float s = v * v;
                if (v < 0) {
                    neg[nn++] = s;
                } else if (v > 0) {
                    pos[np++] = s;
                }
            }
            for (int i = 0; i < n; i++) {
                abs[i] = Math.abs(block[i]);
                sq[i] = block[i] * block[i];
            }
            float leftStd = (float) Math.sqrt(NumpySums.mean(neg, nn));
            float rightStd = (float) Math.sqrt(NumpySums.mean(pos, np));
            float gammahat = leftStd / rightStd;
            float absMean = NumpySums.mean(abs, n);
            float rhat = square(absMean) / NumpySums.mean(sq, n);
            float rhatnorm = (rhat * (power(gammahat, 3) + 1) * (gammahat + 1)) / square(square(gammahat) + 1);
            double alpha = gam[argmin(rhatnorm)];
            double scale = Math.sqrt(GammaFunction.gamma(1 / alpha) / GammaFunction.gamma(3 / alpha));
            return new double[] {alpha, leftStd * scale, rightStd * scale};
        }

        /** {@code np.argmin((r_gam - rhatnorm)**2)}: the first smallest; NaN compares as the minimum, like numpy. */
        private int argmin(float rhatnorm) {
            int best = 0;
            double bestValue = Double.POSITIVE_INFINITY;
            for (int i = 0; i < rGam.length; i++) {
                double d = rGam[i] - rhatnorm;
                double v = d * d;
                if (Double.isNaN(v)) {
                    return i;
                }
                if (v < bestValue) {
                    bestValue = v;
                    best = i;
                }
            }
            return best;
        }

        /** numpy float32 scalar {@code x**2} ({@code powf}): the correctly rounded square. */
        private static float square(float x) {
            return (float) ((double) x * x);
        }

        /** numpy float32 scalar {@code x**k} ({@code powf}), correctly rounded through float64. */
        private static float power(float x, int k) {
            return (float) StrictMath.pow(x, k);
        }
    }
}
