package dev.xpsr.eval;

import dev.xpsr.degrade.RealEsrganDegradation;
import dev.xpsr.degrade.TrainingPairMaker;
import dev.xpsr.degrade.TrainingSetLayout;
import dev.xpsr.io.RgbImage;
import dev.xpsr.torch.ImageTensors;
import dev.xpsr.torch.NativeStartup;
import org.bytedeco.javacpp.PointerScope;

/**
 * A benchmark sample: the centre crop of a real photo as ground truth and its synthetic LR from the Real-ESRGAN
 * degradation ({@link RealEsrganDegradation}: blur, resize, noise and JPEG twice, then the final resize to
 * 1/scale), drawn with a seed derived from the base seed and the photo's name
 * ({@link TrainingSetLayout#sampleSeed}), so the same photo always gets the same LR whatever the other photos.
 * Unlike {@code xpsr degrade}, the crop is not sharpened and the LR is kept at its small size, as a restoration
 * method receives it; it becomes 8-bit as {@code cv2.imwrite} of the float LR would
 * ({@link TrainingPairMaker#toImage}).
 *
 * @param name the photo's name
 * @param hr   the crop, {@code crop × crop}
 * @param lr   the degraded crop, {@code crop/scale × crop/scale}
 * @param seed the degradation's seed
 */
public record DegradedSample(String name, RgbImage hr, RgbImage lr, long seed) {
    /**
     * Centre-crops {@code photo} to {@code crop}² and degrades the crop.
     *
     * @throws IllegalArgumentException when the photo is smaller than the crop (naming both sizes)
     */
    public static DegradedSample of(String name, RgbImage photo, int crop, RealEsrganDegradation degradation,
                                    long baseSeed) {
        if (photo.width() < crop || photo.height() < crop) {
            throw new IllegalArgumentException(name + " is " + photo.width() + "x" + photo.height()
                    + ", smaller than the " + crop + "x" + crop + " crop");
        }
        RgbImage hr = photo.crop((photo.width() - crop) / 2, (photo.height() - crop) / 2, crop, crop);
        long seed = TrainingSetLayout.sampleSeed(baseSeed, name, 0);
        NativeStartup.ensureStarted();
        try (PointerScope scope = new PointerScope()) {
            RgbImage lr = TrainingPairMaker.toImage(degradation.degrade(ImageTensors.toTensor(hr), seed).lr());
            return new DegradedSample(name, hr, lr, seed);
        }
    }
}
