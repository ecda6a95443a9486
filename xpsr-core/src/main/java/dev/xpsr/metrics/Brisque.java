package dev.xpsr.metrics;

import dev.xpsr.io.RgbImage;

import java.io.IOException;
import java.nio.file.Path;

/**
 * BRISQUE, the blind/referenceless spatial quality evaluator (Mittal et al. 2012), exactly as OpenCV 4.6's contrib
 * {@code cv::quality::QualityBRISQUE::compute} computes it with the LIVE-trained model files
 * {@code brisque_model_live.yml} / {@code brisque_range_live.yml}. Lower is better; the score is clamped to
 * [0, 100] as OpenCV does, so very clean photos score exactly 0.
 *
 * <ol>
 *   <li>Gray = {@code cvtColor(BGR2GRAY)} (OpenCV's 15-bit fixed point, rounded, 8-bit), then ×(1/255) in
 *       float32.</li>
 *   <li>At full and half size ({@code cv::resize} {@code INTER_CUBIC} to ⌊w/2⌋×⌊h/2⌋): MSCN = (I − μ) / (σ + 1/255),
 *       μ = G ⊛ I, σ = √(G ⊛ I² − μ²), G the 7×7 Gaussian with σ = 7/6, replicated borders.</li>
 *   <li>Per scale 18 features: an AGGD fit of the MSCN (γ, (σl² + σr²)/2) and of its products with the right,
 *       lower, lower-right and upper-right neighbours (zero outside the image): γ, mean, σl², σr². The shape γ is
 *       the first local minimum of |r(γ) − r̂| walking γ = 0.2, 0.201, … (OpenCV's loop), r(γ) = Γ(2/γ)² /
 *       (Γ(1/γ)Γ(3/γ)).</li>
 *   <li>Score = the model's ε-SVR (RBF) prediction on the features min–max scaled to [−1, 1] by the range file.</li>
 * </ol>
 * OpenCV computes in float32; this port repeats its float32 operations in OpenCV's order (see
 * {@link OpenCvFilters}) and its {@code exp}, so features and scores agree bit for bit with OpenCV's.
 */
public final class Brisque implements Metric {
    public static final String MODEL_FILE = "brisque_model_live.yml";
    public static final String RANGE_FILE = "brisque_range_live.yml";
    static final int FEATURES = 36;
    private static final int[][] SHIFTS = {{0, 1}, {1, 0}, {1, 1}, {-1, 1}};
    private static final float[] GAUSSIAN = OpenCvFilters.gaussianKernel(7, 7. / 6.);

    private final OpenCvSvr model;
    private final float[] rangeMin;
    private final float[] rangeMax;
    private final String source;

    private Brisque(OpenCvSvr model, float[] rangeMin, float[] rangeMax, String source) {
        this.model = model;
        this.rangeMin = rangeMin;
        this.rangeMax = rangeMax;
        this.source = source;
    }

    /** Reads the SVM model and the feature ranges (OpenCV FileStorage YAML). */
    public static Brisque load(Path modelFile, Path rangeFile) throws IOException {
        OpenCvSvr model = OpenCvSvr.read(modelFile);
        Object range = FileStorageYaml.child(FileStorageYaml.read(rangeFile), "range", rangeFile.toString());
        double[] data = FileStorageYaml.numbers(FileStorageYaml.child(range, "data", rangeFile.toString()),
                rangeFile + " range.data");
        if (model.varCount() != FEATURES || data.length != 2 * FEATURES) {
            throw new IOException("BRISQUE needs a 36-feature model and a 2x36 range, got " + model.varCount()
                    + " features in " + modelFile + " and " + data.length + " range values in " + rangeFile);
        }
        float[] min = new float[FEATURES];
        float[] max = new float[FEATURES];
        for (int i = 0; i < FEATURES; i++) {
            min[i] = (float) data[i];
            max[i] = (float) data[FEATURES + i];
        }
        return new Brisque(model, min, max, modelFile.getFileName() + " + " + rangeFile.getFileName());
    }

    @Override
    public String name() {
        return "brisque";
    }

    @Override
    public String description() {
        return "BRISQUE, OpenCV 4.6 contrib QualityBRISQUE (LIVE model " + source + ", clamped to [0, 100])";
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
        float[] scaled = features(image);
        for (int i = 0; i < FEATURES; i++) {
            // quality_utils.hpp scale(): min + (max - min) * (v - lo) / (hi - lo) in float32
            scaled[i] = -1f + 2f * (scaled[i] - rangeMin[i]) / (rangeMax[i] - rangeMin[i]);
        }
        return Math.min(Math.max(model.predict(scaled), 0f), 100f);
    }

    /** {@code QualityBRISQUE::computeFeatures}: the 36 unscaled features (float32). */
    public float[] features(RgbImage image) {
        FloatPlane gray = grayUnit(image);
        float[] out = new float[FEATURES];
        scaleFeatures(gray, out, 0);
        scaleFeatures(OpenCvFilters.resizeCubic(gray, gray.width() / 2, gray.height() / 2), out, FEATURES / 2);
        return out;
    }

    /** {@code cvtColor(BGR2GRAY)} of the 8-bit image, then {@code convertTo(CV_32F, 1/255.)}. */
    static FloatPlane grayUnit(RgbImage image) {
        float scale = (float) (1. / 255.);
        float[] v = new float[(int) image.pixelCount()];
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++) {
                // color_rgb.simd.hpp RGB2Gray<uchar>: 15-bit coefficients, (9798 R + 19235 G + 3735 B + 2^14) >> 15
                int g = (9798 * image.get(x, y, 0) + 19235 * image.get(x, y, 1) + 3735 * image.get(x, y, 2) + 16384)
                        >> 15;
                v[y * image.width() + x] = g * scale;
            }
        }
        return new FloatPlane(image.height(), image.width(), v);
    }

    /** The 18 features of one scale, written at {@code out[offset ..]}. */
    private static void scaleFeatures(FloatPlane img, float[] out, int offset) {
        float[] mscn = mscn(img);
        int h = img.height();
        int w = img.width();
        double[] fit = aggdFit(mscn);
        out[offset] = (float) fit[0];
        out[offset + 1] = (float) (fit[1] * fit[1] + fit[2] * fit[2]) / 2;
        int k = offset + 2;
        for (int[] shift : SHIFTS) {
            double[] p = aggdFit(pairProducts(mscn, h, w, shift[0], shift[1]));
            double g = p[0];
            double constant = Math.sqrt(GammaFunction.gamma(1 / g)) / Math.sqrt(GammaFunction.gamma(3 / g));
            double mean = (p[2] - p[1]) * (GammaFunction.gamma(2 / g) / GammaFunction.gamma(1 / g)) * constant;
            out[k++] = (float) g;
            out[k++] = (float) mean;
            out[k++] = (float) (p[1] * p[1]);
            out[k++] = (float) (p[2] * p[2]);
        }
    }

    /** MSCN coefficients in float32: (I − μ) / (√(G⊛I² − μ²) + 1/255). */
    private static float[] mscn(FloatPlane img) {
        float[] v = img.values();
        float[] sq = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            sq[i] = v[i] * v[i];
        }
        float[] mu = OpenCvFilters.sepFilterReplicate(v, img.height(), img.width(), GAUSSIAN);
        float[] sigma = OpenCvFilters.sepFilterReplicate(sq, img.height(), img.width(), GAUSSIAN);
        float eps = (float) (1.0 / 255);
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            // a negative float32 variance gives NaN, which AGGDfit then skips, as in OpenCV
            float s = (float) Math.sqrt(sigma[i] - mu[i] * mu[i]) + eps;
            out[i] = (v[i] - mu[i]) / s;
        }
        return out;
    }

    /** {@code structdis · structdis(i + di, j + dj)}, with 0 where the neighbour is outside the image. */
    private static float[] pairProducts(float[] m, int h, int w, int di, int dj) {
        float[] out = new float[m.length];
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                int si = i + di;
                int sj = j + dj;
                float shifted = si >= 0 && si < h && sj >= 0 && sj < w ? m[si * w + sj] : 0f;
                out[i * w + j] = m[i * w + j] * shifted;
            }
        }
        return out;
    }

    /**
     * qualitybrisque.cpp {@code AGGDfit} (4.6): {γ, σl, σr}. Sums over the strictly negative / positive values in
     * float64 (NaN values count in neither but in the total), then γ by OpenCV's walk over the grid.
     */
    static double[] aggdFit(float[] values) {
        long pos = 0;
        long neg = 0;
        double posSq = 0;
        double negSq = 0;
        double abs = 0;
        for (float f : values) {
            double pt = f;
            if (pt > 0) {
                pos++;
                posSq += pt * pt;
                abs += pt;
            } else if (pt < 0) {
                neg++;
                negSq += pt * pt;
                abs -= pt;
            }
        }
        double lsigma = StrictMath.pow(negSq / neg, 0.5);
        double rsigma = StrictMath.pow(posSq / pos, 0.5);
        double gammahat = lsigma / rsigma;
        long total = values.length;
        double rhat = StrictMath.pow(abs / total, 2) / ((negSq + posSq) / total);
        double rhatnorm = rhat * (StrictMath.pow(gammahat, 3) + 1) * (gammahat + 1) / StrictMath.pow(Math.pow(gammahat, 2) + 1, 2);
        return new double[] {walkGrid(rhatnorm), lsigma, rsigma};
    }

    /**
     * The AGGD shape as OpenCV finds it: γ accumulated by repeated {@code += 0.001} from 0.2 while below 10,
     * stopping at the first γ whose |r(γ) − r̂| is larger than the previous one (a local, not global, minimum).
     */
    private static double walkGrid(double rhatnorm) {
        double prevGamma = 0;
        double prevDiff = 1e10;
        for (double gam = 0.2; gam < 10; gam += 0.001) {
            double g2 = GammaFunction.gamma(2 / gam);
            double rGam = g2 * g2 / (GammaFunction.gamma(1 / gam) * GammaFunction.gamma(3 / gam));
            double diff = Math.abs(rGam - rhatnorm);
            if (diff > prevDiff) {
                break;
            }
            prevDiff = diff;
            prevGamma = gam;
        }
        return prevGamma;
    }
}
