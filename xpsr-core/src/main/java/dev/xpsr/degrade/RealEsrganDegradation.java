package dev.xpsr.degrade;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * Real-ESRGAN's two-stage ("high-order") degradation of one HR image into its ×scale LR, in the order of
 * {@code realesrgan/models/realesrgan_model.py feed_data} (and its copies in SeeSR's {@code make_paired_data.py}
 * and XPSR's {@code make_train.py}), with the kernels of {@code realesrgan_dataset.py __getitem__}.
 *
 * <p>hr (1, 3, H, W) float32 in [0, 1] → lr (1, 3, H/s, W/s) in [0, 1], s = {@link DegradationPreset#scale()}:
 * <pre>
 *   x = filter2D(hr, k1)
 *   x = interpolate(x, scale_factor = r1, mode m1)            r1: up U(1, hi) | down U(lo, 1) | keep 1
 *   x = clamp(x + noise1, 0, 1)                                 Gaussian σ1/255 or Poisson·scale1, colour or gray
 *   x = DiffJPEG(clamp(x, 0, 1), q1)
 *   x = filter2D(x, k2)                                         with probability second_blur_prob
 *   x = interpolate(x, size = ⌊H/s·r2⌋ × ⌊W/s·r2⌋, mode m2)
 *   x = clamp(x + noise2, 0, 1)
 *   ½: x = DiffJPEG(clamp(filter2D(interpolate(x, H/s × W/s, m3), sinc), 0, 1), q2)
 *   ½: x = filter2D(interpolate(DiffJPEG(clamp(x, 0, 1), q2), H/s × W/s, m3), sinc)
 *   lr = clamp(x, 0, 1), or clamp(round(x·255), 0, 255)/255 when the preset rounds
 * </pre>
 * with sinc the final sinc kernel (probability final_sinc_prob) or the 21×21 pulse, and modes drawn uniformly
 * from area, bilinear, bicubic.
 *
 * <p><b>Randomness.</b> A sample is a pure function of (preset, seed), bit-identical for the same ATen thread
 * count (another count may split float reductions differently). {@link #sample(long)} creates one
 * {@code L64X128MixRandom} from the seed and draws every scalar, in this order:
 * <ol>
 *   <li>k1 ({@link RandomKernels#blurKernel} with blur1), k2 (blur2), the final sinc ({@link RandomKernels#finalSinc})
 *       — the dataset's order;</li>
 *   <li>stage 1: resize direction (weights resize_prob), scale (not for keep), mode; Gaussian coin; σ or Poisson
 *       scale; gray coin; JPEG quality q1;</li>
 *   <li>the second-blur coin;</li>
 *   <li>stage 2: direction, scale, mode, Gaussian coin, σ or scale, gray coin;</li>
 *   <li>final: order coin, mode m3, JPEG quality q2;</li>
 *   <li>one {@code long} that seeds the torch CPU {@link Generator} for the noise fields, used as BasicSR's noise
 *       functions draw them: stage 1 (gray field first when gray, then colour), then stage 2.</li>
 * </ol>
 * The reference draws the same quantities from Python's {@code random}, numpy and torch streams, so its numbers
 * cannot be replayed; the distributions and the order of operations are the same. Where the reference draws a
 * per-image parameter as float32 ({@code torch.rand}, {@code uniform_}), the drawn double is rounded to float32.
 */
public final class RealEsrganDegradation {
    /** The random-number algorithm behind {@link #newRandom(long)}. */
    public static final String RANDOM_ALGORITHM = "L64X128MixRandom";
    // realesrgan_model.py: random.choice(['area', 'bilinear', 'bicubic'])
    private static final Resize.Mode[] MODES = {Resize.Mode.AREA, Resize.Mode.BILINEAR, Resize.Mode.BICUBIC};

    /** The random resize's direction, drawn with weights resize_prob = (up, down, keep). */
    public enum Direction { UP, DOWN, KEEP }

    /**
     * One stage's resize and noise draws.
     *
     * @param resizeScale the factor (stage 1) or the factor on H/s (stage 2); 1 for {@link Direction#KEEP}
     * @param gaussian    Gaussian noise, otherwise Poisson
     * @param noiseLevel  σ on the 0–255 scale (Gaussian) or the Poisson scale, as float32
     * @param grayNoise   one noise field for all three channels
     */
    public record StageDraws(Direction direction, double resizeScale, Resize.Mode resizeMode, boolean gaussian,
                             double noiseLevel, boolean grayNoise) {
        String describe() {
            String resize = direction == Direction.KEEP ? "keep" : direction.name().toLowerCase(Locale.ROOT)
                    + String.format(Locale.ROOT, " x%.4f", resizeScale);
            String noise = gaussian ? String.format(Locale.ROOT, "gaussian sigma=%.3f", noiseLevel)
                    : String.format(Locale.ROOT, "poisson scale=%.4f", noiseLevel);
            return "resize " + resize + " " + resizeMode.name().toLowerCase(Locale.ROOT) + ", " + noise
                    + (grayNoise ? " gray" : " color");
        }
    }

    /**
     * Everything one sample drew; {@link #apply} with the same params and HR gives the same LR.
     *
     * @param finalSinc            the final sinc, or {@code null} for the pulse (no filtering)
     * @param resizeBeforeFinalJpeg the final order: [resize + sinc] then JPEG, otherwise JPEG then [resize + sinc]
     * @param noiseSeed            the seed of the torch generator for the noise fields
     */
    public record Params(RandomKernels.Sample kernel1, RandomKernels.Sample kernel2, RandomKernels.Sample finalSinc,
                         StageDraws stage1, double jpegQuality1, boolean secondBlur, StageDraws stage2,
                         boolean resizeBeforeFinalJpeg, Resize.Mode finalMode, double jpegQuality2, long noiseSeed) {
        public Params {
            Objects.requireNonNull(kernel1, "kernel1");
            Objects.requireNonNull(kernel2, "kernel2");
            Objects.requireNonNull(stage1, "stage1");
            Objects.requireNonNull(stage2, "stage2");
            Objects.requireNonNull(finalMode, "finalMode");
        }

        /** One line naming every draw, for logs and PNG metadata. */
        public String describe() {
            String sinc = finalSinc == null ? "pulse" : describe(finalSinc);
            String last = resizeBeforeFinalJpeg
                    ? "resize " + mode(finalMode) + " + " + sinc + " -> jpeg q=" + fmt(jpegQuality2)
                    : "jpeg q=" + fmt(jpegQuality2) + " -> resize " + mode(finalMode) + " + " + sinc;
            return "stage1: blur " + describe(kernel1) + "; " + stage1.describe() + "; jpeg q=" + fmt(jpegQuality1)
                    + " | stage2: blur " + (secondBlur ? describe(kernel2) : "none") + "; " + stage2.describe()
                    + " | final: " + last + " | noise seed " + noiseSeed;
        }

        private static String describe(RandomKernels.Sample k) {
            StringBuilder s = new StringBuilder(k.type().configName()).append(' ').append(k.size()).append("x")
                    .append(k.size());
            append(s, "sigma_x", k.sigmaX());
            if (!k.type().isotropic() && k.type() != KernelType.SINC) {
                append(s, "sigma_y", k.sigmaY());
                append(s, "theta", k.theta());
            }
            append(s, "beta", k.beta());
            append(s, "omega", k.omega());
            return s.toString();
        }

        private static void append(StringBuilder s, String name, double v) {
            if (!Double.isNaN(v)) {
                s.append(' ').append(name).append('=').append(fmt(v));
            }
        }

        private static String mode(Resize.Mode m) {
            return m.name().toLowerCase(Locale.ROOT);
        }

        private static String fmt(double v) {
            return String.format(Locale.ROOT, "%.4f", v);
        }
    }

    /** The LR with the draws that made it. */
    public record Result(Tensor lr, Params params) {
    }

    private final DegradationPreset preset;
    private final int minimumSide;

    public RealEsrganDegradation(DegradationPreset preset) {
        this.preset = Objects.requireNonNull(preset, "preset");
        this.minimumSide = preset.minimumSide();
    }

    public DegradationPreset preset() {
        return preset;
    }

    /** The random source a sample with this seed draws from. */
    public static RandomGenerator newRandom(long seed) {
        return RandomGeneratorFactory.of(RANDOM_ALGORITHM).create(seed);
    }

    /** Degrades {@code hr} with the draws of {@code seed}: {@code apply(hr, sample(seed))}. */
    public Result degrade(Tensor hr, long seed) {
        Params p = sample(seed);
        return new Result(apply(hr, p), p);
    }

    /** All draws of one sample, from a fresh {@link #newRandom(long)}; cheap (no image work). */
    public Params sample(long seed) {
        return sample(newRandom(seed));
    }

    /** All draws of one sample, taken from {@code rng} in the order of the class comment. */
    public Params sample(RandomGenerator rng) {
        RandomKernels.Sample k1 = RandomKernels.blurKernel(rng, preset.blur1());
        RandomKernels.Sample k2 = RandomKernels.blurKernel(rng, preset.blur2());
        RandomKernels.Sample sinc = RandomKernels.finalSinc(rng, preset.finalSincProb()).orElse(null);
        StageDraws s1 = stage(rng, preset.stage1());
        double q1 = quality(rng, preset.stage1().jpegRange());
        boolean secondBlur = rng.nextDouble() < preset.secondBlurProb();
        StageDraws s2 = stage(rng, preset.stage2());
        boolean resizeFirst = rng.nextDouble() < 0.5;
        Resize.Mode finalMode = MODES[rng.nextInt(MODES.length)];
        double q2 = quality(rng, preset.stage2().jpegRange());
        return new Params(k1, k2, sinc, s1, q1, secondBlur, s2, resizeFirst, finalMode, q2, rng.nextLong());
    }

    /**
     * Degrades {@code hr} with the given draws. Intermediate tensors belong to the caller's {@code PointerScope}.
     *
     * @param hr (1, 3, H, W) float32 in [0, 1], H and W at least {@link DegradationPreset#minimumSide()}
     * @return (1, 3, H/s, W/s) in [0, 1]
     */
    public Tensor apply(Tensor hr, Params p) {
        long[] shape = Torch.shape(hr);
        if (shape.length != 4 || shape[0] != 1 || shape[1] != 3) {
            throw new IllegalArgumentException("expected a (1, 3, H, W) image, got " + Arrays.toString(shape));
        }
        long h = shape[2];
        long w = shape[3];
        if (h < minimumSide || w < minimumSide) {
            throw new IllegalArgumentException("preset " + preset.name() + " needs an image of at least "
                    + minimumSide + "x" + minimumSide + " (its 21-tap filters reflect-pad by 10), got " + w + "x" + h);
        }
        int s = preset.scale();
        Generator generator = Torch.generator(p.noiseSeed());

        // the first degradation
        Tensor x = Filter2D.apply(hr, kernel(p.kernel1()));
        x = Resize.byScale(x, p.stage1().resizeMode(), p.stage1().resizeScale());
        x = addNoise(x, p.stage1(), preset.stage1(), generator);
        x = DiffJpeg.apply(Torch.clamp(x, 0, 1), qualityTensor(p.jpegQuality1()));

        // the second degradation
        if (p.secondBlur()) {
            x = Filter2D.apply(x, kernel(p.kernel2()));
        }
        // realesrgan_model.py: size=(int(ori_h / scale * s2), ...), a float product truncated
        long h2 = (long) (h / (double) s * p.stage2().resizeScale());
        long w2 = (long) (w / (double) s * p.stage2().resizeScale());
        x = Resize.toSize(x, p.stage2().resizeMode(), h2, w2);
        x = addNoise(x, p.stage2(), preset.stage2(), generator);

        // the final resize to H/s x W/s with the sinc (or pulse), and the last JPEG, in the drawn order
        Tensor sinc = kernel(p.finalSinc() == null ? RandomKernels.pulse() : p.finalSinc().kernel());
        if (p.resizeBeforeFinalJpeg()) {
            x = Filter2D.apply(Resize.toSize(x, p.finalMode(), h / s, w / s), sinc);
            x = DiffJpeg.apply(Torch.clamp(x, 0, 1), qualityTensor(p.jpegQuality2()));
        } else {
            x = DiffJpeg.apply(Torch.clamp(x, 0, 1), qualityTensor(p.jpegQuality2()));
            x = Filter2D.apply(Resize.toSize(x, p.finalMode(), h / s, w / s), sinc);
        }
        if (preset.roundLr()) {
            return Torch.div(Torch.clamp(Torch.mul(x, 255).round(), 0, 255), 255);
        }
        return Torch.clamp(x, 0, 1);
    }

    private static StageDraws stage(RandomGenerator rng, DegradationPreset.Stage stage) {
        Direction direction = choose(rng, stage.resizeProb());
        double[] range = stage.resizeRange();
        double scale = switch (direction) {
            case UP -> uniform(rng, 1, range[1]);
            case DOWN -> uniform(rng, range[0], 1);
            case KEEP -> 1;
        };
        Resize.Mode mode = MODES[rng.nextInt(MODES.length)];
        boolean gaussian = rng.nextDouble() < stage.gaussianNoiseProb();
        double[] levels = gaussian ? stage.noiseRange() : stage.poissonScaleRange();
        double level = (float) uniform(rng, levels[0], levels[1]);
        boolean gray = rng.nextDouble() < stage.grayNoiseProb();
        return new StageDraws(direction, scale, mode, gaussian, level, gray);
    }

    /**
     * A JPEG quality U(low, high) as float32, kept below {@code high}: torch's {@code uniform_} never returns its
     * upper bound, and quality 100 would give DiffJPEG a zero quantisation factor.
     */
    private static double quality(RandomGenerator rng, double[] range) {
        float q = (float) uniform(rng, range[0], range[1]);
        return q >= range[1] && range[1] > range[0] ? Math.nextDown((float) range[1]) : q;
    }

    private static Tensor addNoise(Tensor x, StageDraws d, DegradationPreset.Stage stage, Generator generator) {
        Tensor level = Torch.fromFloats(new float[] {(float) d.noiseLevel()}, 1);
        Tensor gray = Torch.fromFloats(new float[] {d.grayNoise() ? 1f : 0f}, 1);
        // realesrgan_model.py: both noise calls pass clip=True, rounds=False
        return d.gaussian() ? Noise.addGaussianNoise(x, level, gray, true, false, generator)
                : Noise.addPoissonNoise(x, level, gray, true, false, generator);
    }

    private static Tensor qualityTensor(double quality) {
        // realesrgan_model.py: jpeg_p = out.new_zeros(b).uniform_(...) is a float32 tensor
        return Torch.fromFloats(new float[] {(float) quality}, 1);
    }

    private static Tensor kernel(RandomKernels.Sample sample) {
        return kernel(sample.kernel());
    }

    private static Tensor kernel(double[][] k) {
        return Kernels.toTensor(k).reshape(1, k.length, k.length);
    }

    /** {@code random.choices(['up', 'down', 'keep'], weights)[0]}. */
    private static Direction choose(RandomGenerator rng, double[] weights) {
        double total = weights[0] + weights[1] + weights[2];
        double u = rng.nextDouble() * total;
        if (u < weights[0]) {
            return Direction.UP;
        }
        return u < weights[0] + weights[1] ? Direction.DOWN : Direction.KEEP;
    }

    private static double uniform(RandomGenerator rng, double low, double high) {
        return low + (high - low) * rng.nextDouble();
    }
}
