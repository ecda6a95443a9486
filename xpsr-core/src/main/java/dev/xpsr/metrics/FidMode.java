package dev.xpsr.metrics;

import dev.xpsr.io.RgbImage;
import dev.xpsr.torch.ImageTensors;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

/**
 * How an image becomes the 299×299 Inception input in [−1, 1], per pyiqa 0.1.10's {@code FID(mode=...)}
 * (its {@code ResizeDataset} and the {@code normalize_input} flag it passes to the network).
 */
public enum FidMode {
    /**
     * {@code mode='clean'}, pyiqa's default, from clean-fid: each 8-bit channel as a float image resized to 299×299
     * by Pillow's antialiased bicubic ({@link PilFloatResize}), clipped to [0, 255], then (x − 128) / 128.
     */
    CLEAN("clean", "clean-fid: Pillow bicubic per channel, (x-128)/128"),
    /**
     * {@code mode='legacy_pytorch'} (pyiqa also runs {@code 'legacy_tensorflow'} this way), as pytorch-fid:
     * x / 255, {@code F.interpolate(size=(299, 299), mode='bilinear', align_corners=False)} without antialiasing,
     * then 2x − 1.
     */
    LEGACY_PYTORCH("legacy_pytorch", "pytorch-fid: bilinear resize, 2x-1");

    /** Side of the square Inception input. */
    public static final int SIZE = 299;

    private final String pyiqaName;
    private final String summary;

    FidMode(String pyiqaName, String summary) {
        this.pyiqaName = pyiqaName;
        this.summary = summary;
    }

    /** The {@code mode} argument pyiqa calls this. */
    public String pyiqaName() {
        return pyiqaName;
    }

    /** One line for descriptions. */
    public String summary() {
        return summary;
    }

    /** The network input of one image: float32 (1, 3, 299, 299) in [−1, 1], on the CPU. */
    public Tensor input(RgbImage image) {
        return this == CLEAN ? clean(image) : Torch.scoped(() -> Torch.add(Torch.mul(legacy(image), 2), -1));
    }

    /**
     * What pyiqa's {@code ResizeDataset} yields for one image, before the network's own input scaling: float32
     * (1, 3, 299, 299), in [−1, 1] for {@link #CLEAN} (the network then runs with {@code normalize_input=False}),
     * in [0, 1] for {@link #LEGACY_PYTORCH} (the network applies 2x − 1).
     */
    public Tensor resized(RgbImage image) {
        return this == CLEAN ? clean(image) : legacy(image);
    }

    private static Tensor clean(RgbImage image) {
        int w = image.width();
        int h = image.height();
        byte[] hwc = image.toHwcBytes();
        float[] out = new float[3 * SIZE * SIZE];
        float[] plane = new float[w * h];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < plane.length; i++) {
                plane[i] = hwc[i * 3 + c] & 0xFF;
            }
            float[] r = PilFloatResize.bicubic(plane, w, h, SIZE, SIZE);
            for (int i = 0; i < r.length; i++) {
                // numpy float32: clip, then (x - 128) / 128
                float v = Math.min(Math.max(r[i], 0f), 255f);
                out[c * SIZE * SIZE + i] = (v - 128f) / 128f;
            }
        }
        return Torch.fromFloats(out, 1, 3, SIZE, SIZE);
    }

    /** ToTensor (u8 / 255) and {@code F.interpolate(size=(299, 299), mode='bilinear', align_corners=False)}. */
    private static Tensor legacy(RgbImage image) {
        return Torch.scoped(() -> Torch.upsampleBilinear(ImageTensors.toTensor(image), SIZE, SIZE, null, null));
    }
}
