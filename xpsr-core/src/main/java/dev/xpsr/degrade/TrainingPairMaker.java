package dev.xpsr.degrade;

import dev.xpsr.io.RgbImage;
import dev.xpsr.torch.ImageTensors;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * One HR/LR training pair from one GT photo, as XPSR's {@code utils_data/make_train.py} makes them (GT handling
 * from the {@code RealESRGANDataset} that SeeSR vendors from StableSR, {@code basicsr/data/realesrgan_dataset.py},
 * degradation from {@code make_train.py realesrgan_degradation}):
 * <ol>
 *   <li>rejected when the file is under 100 KB or the image under 384² pixels ({@link #rejectFile},
 *       {@link #rejectImage}; the reference silently draws another image instead);</li>
 *   <li>horizontal flip with probability ½ ({@code augment(img, hflip=True)});</li>
 *   <li>if a side is under 512: reflect-101 padding at the bottom/right to 512 ({@code cv2.copyMakeBorder(…,
 *       BORDER_REFLECT_101)}, repeated reflection when the pad exceeds the side); then, if a side is over 512, a
 *       uniformly random 512×512 crop ({@code random.randint} top, then left, both ends inclusive);</li>
 *   <li>gt = USMSharp(crop) (radius 50, weight 0.5, threshold 10) when the preset sharpens;</li>
 *   <li>lr = {@link RealEsrganDegradation} of <b>that sharpened gt</b> — both SeeSR's {@code make_paired_data.py}
 *       and XPSR's {@code make_train.py} (like Real-ESRGAN's {@code feed_data}) blur {@code usm_sharpener(gt)},
 *       not the plain crop, and return the same sharpened tensor as the HR target;</li>
 *   <li>lr (clamped to [0, 1]) is bicubic-upsampled back to 512 ({@code F.interpolate(mode='bicubic')},
 *       A = −0.75, not clamped afterwards);</li>
 *   <li>both images become 8-bit as {@code cv2.imwrite(path, 255·x)} does: float32 255·x, rounded half to even
 *       and saturated to 0..255 ({@code Mat::convertTo} uses {@code saturate_cast<uchar>(float)} = {@code cvRound}
 *       then clamp).</li>
 * </ol>
 *
 * <p>All draws come from one {@code L64X128MixRandom} seeded with the pair's seed: the flip coin, the crop's top
 * and left (only when a crop happens), then the degradation's draws ({@link RealEsrganDegradation#sample}).
 */
public final class TrainingPairMaker {
    private static final double USM_WEIGHT = 0.5;
    private static final double USM_THRESHOLD = 10;

    /**
     * Thresholds and sizes.
     *
     * @param cropSize     side of the square HR crop ({@code crop_size}, 512)
     * @param minPixels    smallest accepted width·height (384·384)
     * @param minFileBytes smallest accepted file size (100·1024; the reference compares size/1024 with 100)
     * @param hflip        random horizontal flip
     */
    public record Options(int cropSize, long minPixels, long minFileBytes, boolean hflip) {
        /** XPSR's values: 512 crops, 384² pixels, 100 KB, flips on. */
        public static final Options DEFAULTS = new Options(512, 384L * 384, 100L * 1024, true);

        public Options {
            if (cropSize < 1 || minPixels < 0 || minFileBytes < 0) {
                throw new IllegalArgumentException("cropSize must be positive and the minimums non-negative");
            }
        }
    }

    /**
     * A finished pair.
     *
     * @param hr      the (sharpened) crop, cropSize²
     * @param lr      the degraded LR upsampled back to cropSize²
     * @param flipped whether the GT was mirrored
     * @param cropX   left edge of the crop in the (flipped, padded) GT
     * @param cropY   top edge of the crop
     */
    public record Pair(RgbImage hr, RgbImage lr, boolean flipped, int cropX, int cropY,
                       RealEsrganDegradation.Params params) {
    }

    private final RealEsrganDegradation degradation;
    private final Options options;
    private final UsmSharp usm = new UsmSharp();

    public TrainingPairMaker(DegradationPreset preset, Options options) {
        this.degradation = new RealEsrganDegradation(preset);
        this.options = Objects.requireNonNull(options, "options");
        int min = preset.minimumSide();
        if (options.cropSize() < min || options.cropSize() % preset.scale() != 0) {
            throw new IllegalArgumentException("crop size " + options.cropSize() + " must be a multiple of "
                    + preset.scale() + " and at least " + min + " for preset " + preset.name());
        }
    }

    public DegradationPreset preset() {
        return degradation.preset();
    }

    public Options options() {
        return options;
    }

    /** Why a file of {@code bytes} bytes is not used, or empty when it is large enough. */
    public Optional<String> rejectFile(long bytes) {
        return bytes < options.minFileBytes()
                ? Optional.of("file under " + options.minFileBytes() + " bytes")
                : Optional.empty();
    }

    /** Why a {@code width}×{@code height} image is not used, or empty when it is large enough. */
    public Optional<String> rejectImage(int width, int height) {
        return (long) width * height < options.minPixels()
                ? Optional.of("image under " + options.minPixels() + " pixels")
                : Optional.empty();
    }

    /** The pair for {@code gt} with the draws of {@code seed} (the thresholds are the caller's business). */
    public Pair make(RgbImage gt, long seed) {
        RandomGenerator rng = RealEsrganDegradation.newRandom(seed);
        boolean flip = options.hflip() && rng.nextDouble() < 0.5;
        int size = options.cropSize();
        int paddedW = Math.max(gt.width(), size);
        int paddedH = Math.max(gt.height(), size);
        int top = 0;
        int left = 0;
        if (paddedH > size || paddedW > size) {
            top = rng.nextInt(paddedH - size + 1);
            left = rng.nextInt(paddedW - size + 1);
        }
        RgbImage crop = flipPadCrop(gt, flip, left, top, size);
        RealEsrganDegradation.Params params = degradation.sample(rng);
        try (PointerScope scope = new PointerScope()) {
            Tensor x = ImageTensors.toTensor(crop);
            Tensor hr = preset().sharpenGt() ? usm.forward(x, USM_WEIGHT, USM_THRESHOLD) : x;
            Tensor lr = degradation.apply(hr, params);
            Tensor up = Resize.toSize(lr, Resize.Mode.BICUBIC, size, size);
            return new Pair(toImage(Torch.clamp(hr, 0, 1)), toImage(up), flip, left, top, params);
        }
    }

    /**
     * The size×size window at (left, top) of the GT after the optional mirror and the bottom/right reflect-101
     * padding, read straight from the source pixels (no full-size copy).
     */
    static RgbImage flipPadCrop(RgbImage gt, boolean flip, int left, int top, int size) {
        int w = gt.width();
        int h = gt.height();
        byte[] src = gt.toHwcBytes();
        byte[] out = new byte[3 * size * size];
        int[] columns = new int[size];
        for (int x = 0; x < size; x++) {
            int c = reflect101(left + x, w);
            columns[x] = flip ? w - 1 - c : c;
        }
        for (int y = 0; y < size; y++) {
            int row = reflect101(top + y, h) * w;
            for (int x = 0; x < size; x++) {
                System.arraycopy(src, (row + columns[x]) * 3, out, (y * size + x) * 3, 3);
            }
        }
        return RgbImage.of(size, size, out);
    }

    /** OpenCV {@code borderInterpolate(p, len, BORDER_REFLECT_101)}: mirror without repeating the edge, repeatedly. */
    static int reflect101(int p, int len) {
        if (len == 1) {
            return 0;
        }
        while (p < 0 || p >= len) {
            p = p < 0 ? -p : 2 * len - 2 - p;
        }
        return p;
    }

    /**
     * {@code cv2.imwrite(path, 255 * x)} on a float32 image: 255·x in float32, round half to even, saturate.
     *
     * @param x float32 (1, 3, H, W)
     */
    public static RgbImage toImage(Tensor x) {
        long[] s = Torch.shape(x);
        int h = Math.toIntExact(s[2]);
        int w = Math.toIntExact(s[3]);
        float[] v = Torch.toFloats(x.contiguous());
        int plane = w * h;
        byte[] px = new byte[3 * plane];
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                px[i * 3 + c] = (byte) saturate(Math.rint(255f * v[c * plane + i]));
            }
        }
        return RgbImage.of(w, h, px);
    }

    private static int saturate(double v) {
        // NaN fails both comparisons and, as cvRound's INT_MIN would, saturates to 0
        return v >= 255 ? 255 : v > 0 ? (int) v : 0;
    }
}
