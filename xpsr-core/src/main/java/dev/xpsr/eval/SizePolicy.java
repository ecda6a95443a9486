package dev.xpsr.eval;

import dev.xpsr.io.RgbImage;
import dev.xpsr.pipeline.PilResize;

import java.util.Locale;

/**
 * What to do when a restored image and its ground truth differ in size. Full-reference metrics need equal
 * sizes; papers differ in how they get there, so the choice is explicit and the default refuses.
 */
public enum SizePolicy {
    /** Refuse the pair, naming both sizes (the default: a size mismatch usually means a wrong scale or crop). */
    ERROR,
    /** Resize the restored image to the ground truth's size with Pillow's bicubic, as PIL-based scripts do. */
    BICUBIC,
    /**
     * Keep the top-left region both images share, as BasicSR's {@code mod_crop} keeps the top-left part of an HR
     * image cut to a multiple of the scale.
     */
    CROP;

    /** The policy called {@code name} ({@code error}, {@code bicubic}, {@code crop}; any case). */
    public static SizePolicy parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown resize policy '" + name + "'; valid: error, bicubic, crop");
        }
    }

    /**
     * The pair brought to one size.
     *
     * @param image     the restored image
     * @param reference its ground truth
     * @param what      how to name the pair in an error, e.g. both file names
     * @return {image, reference}, unchanged when the sizes already agree
     * @throws IllegalArgumentException for {@link #ERROR} and different sizes, naming both
     */
    public RgbImage[] align(RgbImage image, RgbImage reference, String what) {
        if (image.width() == reference.width() && image.height() == reference.height()) {
            return new RgbImage[] {image, reference};
        }
        return switch (this) {
            case ERROR -> throw new IllegalArgumentException(what + ": restored image is " + image.width() + "x"
                    + image.height() + " but the ground truth is " + reference.width() + "x" + reference.height()
                    + " (use --resize bicubic or crop to score it anyway)");
            case BICUBIC -> new RgbImage[] {PilResize.resize(image, reference.width(), reference.height(),
                    PilResize.Filter.BICUBIC), reference};
            case CROP -> {
                int w = Math.min(image.width(), reference.width());
                int h = Math.min(image.height(), reference.height());
                yield new RgbImage[] {image.crop(0, 0, w, h), reference.crop(0, 0, w, h)};
            }
        };
    }
}
