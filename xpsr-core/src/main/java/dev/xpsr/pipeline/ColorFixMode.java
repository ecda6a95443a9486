package dev.xpsr.pipeline;

import dev.xpsr.io.RgbImage;

/**
 * The colour correction applied to the decoded image against the preprocessed LR image. XPSR's {@code test.py}
 * always applies {@link #ADAIN} ({@code if True: image = adain_color_fix(image, validation_image)});
 * {@link #WAVELET} is the other function of {@code wavelet_color_fix.py}; {@link #NONE} keeps the decoded image.
 */
public enum ColorFixMode {
    ADAIN, WAVELET, NONE;

    /** Parses {@code adain}, {@code wavelet} or {@code none} (any case). */
    public static ColorFixMode parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown colour fix '" + s + "'; use adain, wavelet or none");
        }
    }

    /** The corrected {@code target}, with colours taken from {@code source}. */
    public RgbImage apply(RgbImage target, RgbImage source) {
        return switch (this) {
            case ADAIN -> ColorFix.adainColorFix(target, source);
            case WAVELET -> ColorFix.waveletColorFix(target, source);
            case NONE -> target;
        };
    }
}
