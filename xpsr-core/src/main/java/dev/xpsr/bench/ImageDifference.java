package dev.xpsr.bench;

import dev.xpsr.io.RgbImage;

import java.util.Locale;

/**
 * How far one 8-bit image is from another of the same size: PSNR over all channels (peak 255) and the largest
 * absolute difference of one value.
 */
public record ImageDifference(double psnr, int maxAbs) {
    public static ImageDifference of(RgbImage reference, RgbImage other) {
        if (reference.width() != other.width() || reference.height() != other.height()) {
            throw new IllegalArgumentException("images differ in size: " + reference.width() + "x"
                    + reference.height() + " and " + other.width() + "x" + other.height());
        }
        byte[] a = reference.toHwcBytes();
        byte[] b = other.toHwcBytes();
        double squares = 0;
        int max = 0;
        for (int i = 0; i < a.length; i++) {
            int d = Math.abs((a[i] & 0xff) - (b[i] & 0xff));
            squares += (double) d * d;
            max = Math.max(max, d);
        }
        double mse = squares / a.length;
        return new ImageDifference(mse == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(255.0 * 255.0 / mse), max);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "PSNR %.2f dB, max |Δ| %d of 255", psnr, maxAbs);
    }
}
