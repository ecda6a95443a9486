package dev.xpsr.metrics;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Structural similarity (Wang et al. 2004) with an 11×11 Gaussian window, σ = 1.5, in valid mode, on 0–255
 * values with C1 = (0.01·255)², C2 = (0.03·255)², all in float64 (the window applied as in
 * {@link SeparableWindow}):
 * <pre>
 *   μ = w ⊛ x,  σ² = w ⊛ x² − μ²,  σ12 = w ⊛ xy − μ1μ2
 *   cs  = (2σ12 + C2) / (σ1² + σ2² + C2)
 *   map = (2μ1μ2 + C1) / (μ1² + μ2² + C1) · cs,   SSIM = mean over map and channels
 * </pre>
 * The {@link Convention} picks the reference reproduced:
 * <ul>
 *   <li>{@link Convention#BASICSR}: BasicSR 1.4.2 {@code calculate_ssim} — {@code cv2.getGaussianKernel} outer
 *       product via {@code cv2.filter2D} then {@code [5:-5, 5:-5]}, Y by {@code to_y_channel} (unrounded);</li>
 *   <li>{@link Convention#BASICSR_PT}: {@code calculate_ssim_pt} — Y by {@code rgb2ycbcr_pt} in float32, ×255;</li>
 *   <li>{@link Convention#PYIQA}: pyiqa 0.1.10 {@code ssim} ({@code ssimc} on RGB) — Y of YIQ by default,
 *       values rounded to integers, the {@code fspecial} window rounded to float32, cs clipped at 0 (relu),
 *       no downsampling;</li>
 *   <li>{@link Convention#XPSR_TEST}: XPSR {@code test.py} — {@code rgb2ycbcr_pt} Y in float64 handed to pyiqa's
 *       {@code ssim} as one channel (×255, rounded, relu).</li>
 * </ul>
 */
public final class Ssim extends FidelityMetric {
    private static final int BATCH = 4;
    private static final int WINDOW = 11;
    private static final double SIGMA = 1.5;
    private static final double C1 = (0.01 * 255) * (0.01 * 255);
    private static final double C2 = (0.03 * 255) * (0.03 * 255);

    private Ssim(Convention convention, boolean yChannel, int cropBorder, ColorSpace colorSpace) {
        super("ssim", "SSIM", BATCH, convention, yChannel, cropBorder, colorSpace);
    }

    /** BasicSR {@code calculate_ssim(img, img2, crop_border, 'HWC', test_y_channel)}. */
    public static Ssim basicsr(int cropBorder, boolean yChannel) {
        return new Ssim(Convention.BASICSR, yChannel, cropBorder, ColorSpace.YCBCR);
    }

    /** BasicSR {@code calculate_ssim_pt(img, img2, crop_border, test_y_channel)}. */
    public static Ssim basicsrPt(int cropBorder, boolean yChannel) {
        return new Ssim(Convention.BASICSR_PT, yChannel, cropBorder, ColorSpace.YCBCR);
    }

    /** pyiqa {@code create_metric('ssim' or 'ssimc', crop_border=..., color_space=...)}. */
    public static Ssim pyiqa(int cropBorder, boolean yChannel, ColorSpace colorSpace) {
        return new Ssim(Convention.PYIQA, yChannel, cropBorder, colorSpace);
    }

    /** XPSR {@code test.py}: pyiqa {@code ssim} on the 1-channel {@code rgb2ycbcr_pt} Y in float64. */
    public static Ssim xpsrTest() {
        return new Ssim(Convention.XPSR_TEST, true, 0, ColorSpace.YCBCR);
    }

    /** SSIM of each image of two float32 (N, 3, H, W) u8/255 batches. */
    @Override
    double[] compute(Tensor image, Tensor reference) {
        Tensor a = values(image);
        Tensor b = values(reference);
        if (a.size(2) < WINDOW || a.size(3) < WINDOW) {
            throw new IllegalArgumentException("SSIM needs at least " + WINDOW + "x" + WINDOW + " pixels after the "
                    + "crop border, got " + a.size(3) + "x" + a.size(2));
        }
        return Torch.toDoubles(Luma.meanPerImage(ssimMap(a, b, window())));
    }

    /** The float64 0–255 planes the reference's SSIM runs on, (N, C, H, W). */
    private Tensor values(Tensor unit) {
        Tensor x = Luma.crop(unit, cropBorder);
        return switch (convention) {
            case BASICSR -> yChannel ? Luma.basicsrY(x) : Torch.mul(x, 255).round().to(ScalarType.Double);
            case BASICSR_PT -> Torch.mul((yChannel ? Luma.ycbcrPtY(x) : x).to(ScalarType.Double), 255);
            // pyiqa func_util.preprocess_rgb: Y (rounded inside to_y_channel) or x·255, rounded, then float64
            case PYIQA -> (yChannel ? Luma.pyiqaY(x, colorSpace, 255) : Torch.mul(x, 255).round())
                    .to(ScalarType.Double);
            case XPSR_TEST -> Torch.mul(Luma.ycbcrPtY(x).to(ScalarType.Double), 255).round();
        };
    }

    /**
     * The convention's window: BasicSR's {@code np.outer(k, k)} of {@code cv2.getGaussianKernel(11, 1.5)}, or
     * pyiqa's {@code fspecial(11, 1.5)} rounded to float32 (split around the normalised 1-D Gaussian).
     */
    private SeparableWindow window() {
        if (convention == Convention.BASICSR || convention == Convention.BASICSR_PT) {
            return new SeparableWindow(GaussianWindows.opencvKernel(WINDOW, SIGMA),
                    GaussianWindows.basicsrWindow(WINDOW, SIGMA));
        }
        float[] w = GaussianWindows.pyiqaFspecial(WINDOW, SIGMA);
        double[] window = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            window[i] = w[i];
        }
        return new SeparableWindow(GaussianWindows.gaussian1d(WINDOW, SIGMA), window);
    }

    /** The SSIM map of two (N, C, H, W) float64 batches, (N, C, H − 10, W − 10). */
    private Tensor ssimMap(Tensor x, Tensor y, SeparableWindow window) {
        // the five filtered planes in one pass: x, y, x², y², xy
        Tensor filtered = window.apply(Torch.cat(1, x, y, x.mul(x), y.mul(y), x.mul(y)));
        Tensor[] f = Torch.chunk(filtered, 5, 1);
        Tensor mu1Sq = f[0].mul(f[0]);
        Tensor mu2Sq = f[1].mul(f[1]);
        Tensor mu1Mu2 = f[0].mul(f[1]);
        Tensor sigma1Sq = f[2].sub(mu1Sq);
        Tensor sigma2Sq = f[3].sub(mu2Sq);
        Tensor sigma12 = f[4].sub(mu1Mu2);
        Tensor luminanceNum = Torch.add(Torch.mul(mu1Mu2, 2), C1);
        Tensor luminanceDen = Torch.add(mu1Sq.add(mu2Sq), C1);
        Tensor csNum = Torch.add(Torch.mul(sigma12, 2), C2);
        Tensor csDen = Torch.add(sigma1Sq.add(sigma2Sq), C2);
        return switch (convention) {
            // psnr_ssim.py _ssim: one quotient of the two products
            case BASICSR -> luminanceNum.mul(csNum).div(luminanceDen.mul(csDen));
            case BASICSR_PT -> luminanceNum.div(luminanceDen).mul(csNum.div(csDen));
            // ssim_arch.py ssim(): cs_map = F.relu(cs_map)
            case PYIQA, XPSR_TEST -> luminanceNum.div(luminanceDen).mul(csNum.div(csDen).relu());
        };
    }
}
