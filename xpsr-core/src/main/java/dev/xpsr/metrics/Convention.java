package dev.xpsr.metrics;

/**
 * Which reference tool's conventions a fidelity metric (PSNR, SSIM) reproduces. The same pair of images gives
 * different numbers under each: they differ in the luma formula, rounding, precision and constants, which is
 * why papers' tables often do not reproduce (see docs PEERS §3–4).
 */
public enum Convention {
    /**
     * BasicSR 1.4.2 {@code calculate_psnr} / {@code calculate_ssim} (numpy): 0–255 values, crop border first,
     * Y = BT.601 "studio" luma {@code bgr2ycbcr(img/255, y_only)·255} (float64 maths rounded to float32),
     * SSIM with an 11×11 σ 1.5 Gaussian ({@code cv2.getGaussianKernel}) in valid mode, all in float64.
     */
    BASICSR("BasicSR 1.4.2 calculate_psnr/calculate_ssim (numpy, 0-255, BT.601 Y)"),
    /**
     * BasicSR 1.4.2 {@code calculate_psnr_pt} / {@code calculate_ssim_pt}: [0, 1] float32 RGB tensors, Y by
     * {@code rgb2ycbcr_pt} in float32, then float64; PSNR = 10·log10(1 / (MSE + 1e-8)).
     */
    BASICSR_PT("BasicSR 1.4.2 calculate_psnr_pt/calculate_ssim_pt (torch, [0,1], BT.601 Y)"),
    /**
     * pyiqa 0.1.10 {@code psnr}/{@code psnry}/{@code ssim}/{@code ssimc}: PSNR on [0, 1] float32 with eps 1e-8
     * (RGB unless Y is asked for), Y of YIQ by default; SSIM on 0–255 values rounded to integers, float64,
     * {@code fspecial(11, 1.5)} window rounded to float32, valid mode, relu on the contrast-structure map.
     */
    PYIQA("pyiqa 0.1.10 (psnr: [0,1] float32, eps 1e-8; ssim: rounded 0-255, relu on cs map)"),
    /**
     * XPSR's {@code test.py} {@code metrics()}: Y = {@code rgb2ycbcr_pt(u8/255)} in float32 cast to float64,
     * passed as 1-channel tensors to pyiqa's {@code psnr} and {@code ssim} (so no YIQ step, no crop).
     */
    XPSR_TEST("XPSR test.py (BT.601 Y by rgb2ycbcr_pt in float64, 1-channel tensors to pyiqa 0.1.10)");

    private final String description;

    Convention(String description) {
        this.description = description;
    }

    /** One line naming the reference this convention reproduces. */
    public String description() {
        return description;
    }
}
