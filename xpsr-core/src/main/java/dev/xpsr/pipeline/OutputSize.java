package dev.xpsr.pipeline;

import java.io.Serializable;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An explicit output size, in place of {@code upscale}·(w, h): the LR image is resized to it before diffusion and
 * the result is resized to it at the end, as {@code test.py} does with its ×{@code upscale} size, so any size (and
 * aspect) can be asked for.
 *
 * @param width  output width in pixels, at least 1
 * @param height output height in pixels, at least 1
 */
public record OutputSize(int width, int height) implements Serializable {
    private static final Pattern WXH = Pattern.compile("(\\d{1,9})[xX×](\\d{1,9})");

    public OutputSize {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("output size must be at least 1x1, got " + width + "x" + height);
        }
    }

    /** Parses {@code WxH}, e.g. {@code 1920x1080}. */
    public static OutputSize parse(String text) {
        Matcher m = WXH.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("output size must be WIDTHxHEIGHT in pixels, e.g. 1920x1080, got '"
                    + text + "'");
        }
        return new OutputSize(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%dx%d", width, height);
    }
}
