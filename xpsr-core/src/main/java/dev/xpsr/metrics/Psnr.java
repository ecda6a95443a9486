package dev.xpsr.metrics;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Peak signal-to-noise ratio, PSNR = 10·log10(peak² / MSE), reproducing one reference tool ({@link Convention}):
 * <ul>
 *   <li>{@link Convention#BASICSR}: BasicSR 1.4.2 {@code calculate_psnr} — 0–255 values in float64 after the
 *       crop border, Y by {@code to_y_channel} when asked, peak 255, +∞ for identical images;</li>
 *   <li>{@link Convention#BASICSR_PT}: {@code calculate_psnr_pt} — [0, 1] float32 RGB, Y by
 *       {@code rgb2ycbcr_pt}, float64 MSE, 10·log10(1 / (MSE + 1e-8));</li>
 *   <li>{@link Convention#PYIQA}: pyiqa 0.1.10 {@code psnr} ({@code psnry} with Y) — everything in float32 on
 *       [0, 1], Y of YIQ by default, 10·log10(1 / (MSE + 1e-8));</li>
 *   <li>{@link Convention#XPSR_TEST}: XPSR {@code test.py} — Y by {@code rgb2ycbcr_pt} cast to float64 and
 *       handed to pyiqa's {@code psnr}: float64 10·log10(1 / (MSE + 1e-8)).</li>
 * </ul>
 * MSE is the mean over the channels and pixels of one image. Same-size images are scored as one batch.
 */
public final class Psnr extends FidelityMetric {
    private static final int BATCH = 8;
    private static final double EPS = 1e-8;

    private Psnr(Convention convention, boolean yChannel, int cropBorder, ColorSpace colorSpace) {
        super("psnr", "PSNR (dB)", BATCH, convention, yChannel, cropBorder, colorSpace);
    }

    /** BasicSR {@code calculate_psnr(img, img2, crop_border, 'HWC', test_y_channel)}. */
    public static Psnr basicsr(int cropBorder, boolean yChannel) {
        return new Psnr(Convention.BASICSR, yChannel, cropBorder, ColorSpace.YCBCR);
    }

    /** BasicSR {@code calculate_psnr_pt(img, img2, crop_border, test_y_channel)}. */
    public static Psnr basicsrPt(int cropBorder, boolean yChannel) {
        return new Psnr(Convention.BASICSR_PT, yChannel, cropBorder, ColorSpace.YCBCR);
    }

    /** pyiqa {@code create_metric('psnr' or 'psnry', crop_border=..., color_space=...)}. */
    public static Psnr pyiqa(int cropBorder, boolean yChannel, ColorSpace colorSpace) {
        return new Psnr(Convention.PYIQA, yChannel, cropBorder, colorSpace);
    }

    /** XPSR {@code test.py}: pyiqa {@code psnr} on the 1-channel {@code rgb2ycbcr_pt} Y in float64. */
    public static Psnr xpsrTest() {
        return new Psnr(Convention.XPSR_TEST, true, 0, ColorSpace.YCBCR);
    }

    /** PSNR of each image of two float32 (N, 3, H, W) u8/255 batches. */
    @Override
    double[] compute(Tensor image, Tensor reference) {
        return switch (convention) {
            case BASICSR -> basicsr(image, reference);
            case BASICSR_PT -> epsForm(ptValues(image), ptValues(reference));
            case PYIQA -> pyiqa(image, reference);
            case XPSR_TEST -> epsForm(xpsrValues(image), xpsrValues(reference));
        };
    }

    private double[] basicsr(Tensor image, Tensor reference) {
        Tensor mse = Luma.meanPerImage(Torch.pow(basicsrValues(image).sub(basicsrValues(reference)), 2));
        double[] m = Torch.toDoubles(mse);
        double[] out = new double[m.length];
        for (int i = 0; i < m.length; i++) {
            // psnr_ssim.py calculate_psnr: identical images return inf
            out[i] = m[i] == 0 ? Double.POSITIVE_INFINITY : 10. * StrictMath.log10(255. * 255. / m[i]);
        }
        return out;
    }

    /** The 0–255 float64 values BasicSR's numpy metric works on (Y or the three channels). */
    private Tensor basicsrValues(Tensor unit) {
        Tensor cropped = Luma.crop(unit, cropBorder);
        return yChannel ? Luma.basicsrY(cropped) : Torch.mul(cropped, 255).round().to(ScalarType.Double);
    }

    private Tensor ptValues(Tensor unit) {
        Tensor cropped = Luma.crop(unit, cropBorder);
        return (yChannel ? Luma.ycbcrPtY(cropped) : cropped).to(ScalarType.Double);
    }

    private Tensor xpsrValues(Tensor unit) {
        return Luma.crop(Luma.ycbcrPtY(unit).to(ScalarType.Double), cropBorder);
    }

    /** {@code 10·log10(1 / (mse + 1e-8))} in float64, as {@code calculate_psnr_pt} and pyiqa on float64 input. */
    private static double[] epsForm(Tensor a, Tensor b) {
        Tensor mse = Luma.meanPerImage(Torch.pow(a.sub(b), 2));
        return Torch.toDoubles(Torch.mul(Torch.add(mse, EPS).reciprocal().log10(), 10));
    }

    /** pyiqa {@code psnr()} on float32 tensors: every step in float32. */
    private double[] pyiqa(Tensor image, Tensor reference) {
        Tensor a = Luma.crop(image, cropBorder);
        Tensor b = Luma.crop(reference, cropBorder);
        if (yChannel) {
            a = Luma.pyiqaY(a, colorSpace, 1.0);
            b = Luma.pyiqaY(b, colorSpace, 1.0);
        }
        Tensor mse = Luma.meanPerImage(Torch.pow(a.sub(b), 2));
        // psnr_arch.py: data_range**2 / (mse + eps) is Tensor.__rtruediv__, i.e. reciprocal() * 1.0
        return Torch.toDoubles(Torch.mul(Torch.add(mse, EPS).reciprocal().log10(), 10));
    }
}
