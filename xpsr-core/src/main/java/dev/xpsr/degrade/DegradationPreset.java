package dev.xpsr.degrade;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Every parameter of Real-ESRGAN's two-stage ("high-order") degradation, as one named set.
 *
 * <p>The fields mirror the option names of Real-ESRGAN's {@code train_realesrgan_x4plus.yml} (kernel options per
 * {@link RandomKernels.BlurSettings}, the rest per {@link Stage}), plus two switches where the projects that use
 * this pipeline differ:
 * <ul>
 *   <li>{@code sharpenGt}: the LR is degraded from the USM-sharpened GT, and that sharpened GT is the HR target
 *       (Real-ESRGAN {@code feed_data}, SeeSR {@code make_paired_data.py}, XPSR {@code make_train.py}); off, the
 *       plain GT is used for both (XPSR {@code dataloader/realesrgan.py}, where the USM line is commented out);</li>
 *   <li>{@code roundLr}: the final LR is clamped and rounded to the 256 levels
 *       ({@code clamp(round(x·255), 0, 255)/255}, Real-ESRGAN and XPSR's {@code realesrgan.py}); off, only clamped
 *       to [0, 1] (SeeSR/XPSR {@code make_train.py}, which save the float LR after upsampling it).</li>
 * </ul>
 *
 * <p>Presets ({@link #named}):
 * <ul>
 *   <li>{@code seesr} (default): the values in SeeSR's {@code make_paired_data.py} and XPSR's {@code make_train.py},
 *       which made XPSR's training pairs;</li>
 *   <li>{@code realesrgan-x4plus}: Real-ESRGAN's {@code train_realesrgan_x4plus.yml} — the same numbers, with the
 *       final rounding;</li>
 *   <li>{@code xpsr-params}: XPSR's {@code dataloader/params_realesrgan.yml} (milder noise, JPEG and resizes;
 *       second blur 0.5). Its {@code gray_prob} and {@code color_jitter_prob} are 0, so those steps never run and
 *       have no field here.</li>
 * </ul>
 *
 * @param name           the preset's name
 * @param scale          the SR factor: the LR is H/scale × W/scale
 * @param blur1          first-stage kernel settings ({@code kernel_list}, {@code kernel_prob}, {@code blur_sigma},
 *                       {@code betag_range}, {@code betap_range}, {@code sinc_prob})
 * @param stage1         first-stage resize, noise and JPEG settings
 * @param secondBlurProb probability of the second-stage blur ({@code second_blur_prob})
 * @param blur2          second-stage kernel settings ({@code *2} options)
 * @param stage2         second-stage resize (relative to size/scale), noise and JPEG settings
 * @param finalSincProb  probability that the final filter is a sinc rather than the pulse ({@code final_sinc_prob})
 * @param sharpenGt      degrade (and target) the USM-sharpened GT
 * @param roundLr        round the final LR to /255 levels
 */
public record DegradationPreset(String name, int scale, RandomKernels.BlurSettings blur1, Stage stage1,
                                double secondBlurProb, RandomKernels.BlurSettings blur2, Stage stage2,
                                double finalSincProb, boolean sharpenGt, boolean roundLr) {
    /** The name of the default preset. */
    public static final String DEFAULT = "seesr";

    /**
     * One stage's resize, noise and JPEG settings.
     *
     * @param resizeProb        probabilities of up, down, keep ({@code resize_prob})
     * @param resizeRange       [low, high] scale: up draws U(1, high), down U(low, 1) ({@code resize_range})
     * @param gaussianNoiseProb probability of Gaussian noise, otherwise Poisson ({@code gaussian_noise_prob})
     * @param noiseRange        Gaussian σ on the 0–255 scale ({@code noise_range})
     * @param poissonScaleRange Poisson noise scale ({@code poisson_scale_range})
     * @param grayNoiseProb     probability that the noise is one field for all channels ({@code gray_noise_prob})
     * @param jpegRange         JPEG quality ({@code jpeg_range})
     */
    public record Stage(double[] resizeProb, double[] resizeRange, double gaussianNoiseProb, double[] noiseRange,
                        double[] poissonScaleRange, double grayNoiseProb, double[] jpegRange) {
        public Stage {
            if (resizeProb == null || resizeProb.length != 3 || Arrays.stream(resizeProb).anyMatch(p -> p < 0)
                    || Arrays.stream(resizeProb).sum() <= 0) {
                throw new IllegalArgumentException("resize_prob must be three non-negative weights (up, down, keep)");
            }
            checkRange("resize_range", resizeRange, 0, Double.MAX_VALUE);
            if (!(resizeRange[0] > 0 && resizeRange[0] <= 1 && resizeRange[1] >= 1)) {
                throw new IllegalArgumentException("resize_range must be [low, high] with 0 < low <= 1 <= high");
            }
            checkProbability("gaussian_noise_prob", gaussianNoiseProb);
            checkRange("noise_range", noiseRange, 0, Double.MAX_VALUE);
            checkRange("poisson_scale_range", poissonScaleRange, 0, Double.MAX_VALUE);
            checkProbability("gray_noise_prob", grayNoiseProb);
            checkRange("jpeg_range", jpegRange, 1, 100);
            resizeProb = resizeProb.clone();
            resizeRange = resizeRange.clone();
            noiseRange = noiseRange.clone();
            poissonScaleRange = poissonScaleRange.clone();
            jpegRange = jpegRange.clone();
        }

        @Override
        public double[] resizeProb() {
            return resizeProb.clone();
        }

        @Override
        public double[] resizeRange() {
            return resizeRange.clone();
        }

        @Override
        public double[] noiseRange() {
            return noiseRange.clone();
        }

        @Override
        public double[] poissonScaleRange() {
            return poissonScaleRange.clone();
        }

        @Override
        public double[] jpegRange() {
            return jpegRange.clone();
        }
    }

    public DegradationPreset {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(blur1, "blur1");
        Objects.requireNonNull(stage1, "stage1");
        Objects.requireNonNull(blur2, "blur2");
        Objects.requireNonNull(stage2, "stage2");
        if (scale < 1) {
            throw new IllegalArgumentException("scale must be at least 1, got " + scale);
        }
        checkProbability("second_blur_prob", secondBlurProb);
        checkProbability("final_sinc_prob", finalSincProb);
    }

    /** The preset with the given name (case-insensitive). */
    public static DegradationPreset named(String name) {
        DegradationPreset preset = PRESETS.get(name.toLowerCase(Locale.ROOT));
        if (preset == null) {
            throw new IllegalArgumentException("unknown degradation preset '" + name + "'; valid presets: "
                    + String.join(", ", names()));
        }
        return preset;
    }

    /** The preset names, default first. */
    public static List<String> names() {
        return List.copyOf(PRESETS.keySet());
    }

    /** The default preset, {@code seesr}. */
    public static DegradationPreset defaults() {
        return named(DEFAULT);
    }

    /**
     * The smallest height and width this preset can degrade: every reflect-padded 21-tap filter needs more than
     * 10 pixels on each side, both after the strongest first-stage downscale and at the LR size.
     */
    public int minimumSide() {
        int half = RandomKernels.PADDED_SIZE / 2;
        double low = stage1.resizeRange()[0];
        int side = 1;
        while (side <= half || Resize.scaledSize(side, low) <= half || side / scale <= half) {
            side++;
        }
        return side;
    }

    private static final List<KernelType> KERNELS = List.of(KernelType.ISO, KernelType.ANISO,
            KernelType.GENERALIZED_ISO, KernelType.GENERALIZED_ANISO, KernelType.PLATEAU_ISO, KernelType.PLATEAU_ANISO);
    private static final double[] KERNEL_PROB = {0.45, 0.25, 0.12, 0.03, 0.12, 0.03};
    private static final RandomKernels.BlurSettings BLUR1 = new RandomKernels.BlurSettings(KERNELS, KERNEL_PROB,
            new double[] {0.2, 3}, new double[] {0.5, 4}, new double[] {1, 2}, 0.1);
    private static final RandomKernels.BlurSettings BLUR2 = new RandomKernels.BlurSettings(KERNELS, KERNEL_PROB,
            new double[] {0.2, 1.5}, new double[] {0.5, 4}, new double[] {1, 2}, 0.1);

    // train_realesrgan_x4plus.yml; SeeSR make_paired_data.py and XPSR make_train.py args_degradation
    private static final Stage X4PLUS_STAGE1 = new Stage(new double[] {0.2, 0.7, 0.1}, new double[] {0.15, 1.5},
            0.5, new double[] {1, 30}, new double[] {0.05, 3}, 0.4, new double[] {30, 95});
    private static final Stage X4PLUS_STAGE2 = new Stage(new double[] {0.3, 0.4, 0.3}, new double[] {0.3, 1.2},
            0.5, new double[] {1, 25}, new double[] {0.05, 2.5}, 0.4, new double[] {30, 95});
    // XPSR dataloader/params_realesrgan.yml
    private static final Stage XPSR_STAGE1 = new Stage(new double[] {0.2, 0.7, 0.1}, new double[] {0.3, 1.5},
            0.5, new double[] {1, 15}, new double[] {0.05, 2}, 0.4, new double[] {60, 95});
    private static final Stage XPSR_STAGE2 = new Stage(new double[] {0.3, 0.4, 0.3}, new double[] {0.6, 1.2},
            0.5, new double[] {1, 12}, new double[] {0.05, 1}, 0.4, new double[] {60, 100});

    private static final Map<String, DegradationPreset> PRESETS = presets();

    private static Map<String, DegradationPreset> presets() {
        Map<String, DegradationPreset> m = new LinkedHashMap<>();
        m.put("seesr", new DegradationPreset("seesr", 4, BLUR1, X4PLUS_STAGE1, 0.8, BLUR2, X4PLUS_STAGE2, 0.8,
                true, false));
        m.put("realesrgan-x4plus", new DegradationPreset("realesrgan-x4plus", 4, BLUR1, X4PLUS_STAGE1, 0.8, BLUR2,
                X4PLUS_STAGE2, 0.8, true, true));
        m.put("xpsr-params", new DegradationPreset("xpsr-params", 4, BLUR1, XPSR_STAGE1, 0.5, BLUR2, XPSR_STAGE2,
                0.8, false, true));
        return Collections.unmodifiableMap(m);
    }

    private static void checkProbability(String name, double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(name + " must be in [0, 1], got " + p);
        }
    }

    private static void checkRange(String name, double[] range, double min, double max) {
        if (range == null || range.length != 2 || !(range[0] <= range[1]) || range[0] < min || range[1] > max) {
            throw new IllegalArgumentException(name + " must be [low, high] with " + min + " <= low <= high <= "
                    + max + ", got " + Arrays.toString(range));
        }
    }
}
