package dev.xpsr.golden;

import dev.xpsr.io.RgbImage;
import dev.xpsr.torch.ImageTensors;
import org.bytedeco.pytorch.Tensor;

import static org.assertj.core.api.Assertions.assertThat;

/** Comparisons of 8-bit images with the fixtures' {@code *_u8} images (H, W, 3). */
public final class ImageCompare {
    private ImageCompare() {
    }

    /** How two images of equal size differ: channel values off by one, and by more. */
    public record Diff(int offByOne, int offByMore, int maxAbs) {
    }

    public static Diff diff(RgbImage actual, RgbImage expected) {
        assertThat(actual.width()).as("width").isEqualTo(expected.width());
        assertThat(actual.height()).as("height").isEqualTo(expected.height());
        byte[] a = actual.toHwcBytes();
        byte[] e = expected.toHwcBytes();
        int one = 0;
        int more = 0;
        int max = 0;
        for (int i = 0; i < a.length; i++) {
            int d = Math.abs((a[i] & 0xFF) - (e[i] & 0xFF));
            max = Math.max(max, d);
            if (d == 1) {
                one++;
            } else if (d > 1) {
                more++;
            }
        }
        return new Diff(one, more, max);
    }

    /** Asserts pixel-exact equality with a stored (H, W, 3) image. */
    public static void assertExact(String what, RgbImage actual, Tensor expectedHwc) {
        assertExact(what, actual, ImageTensors.fromHwcTensor(expectedHwc));
    }

    public static void assertExact(String what, RgbImage actual, RgbImage expected) {
        Diff d = diff(actual, expected);
        assertThat(d).as(what + ": channel values that differ").isEqualTo(new Diff(0, 0, 0));
    }

    /**
     * Asserts equality except ±1 on at most {@code maxOffByOne} channel values (values sitting on a
     * rounding/truncation boundary in float32); prints the count for the record.
     */
    public static Diff assertNearlyExact(String what, RgbImage actual, Tensor expectedHwc, int maxOffByOne) {
        Diff d = diff(actual, ImageTensors.fromHwcTensor(expectedHwc));
        System.out.printf("%s: %d channel values off by one, %d by more%n", what, d.offByOne(), d.offByMore());
        assertThat(d.offByMore()).as(what + ": channel values off by more than 1").isZero();
        assertThat(d.offByOne()).as(what + ": channel values off by one").isLessThanOrEqualTo(maxOffByOne);
        return d;
    }
}
