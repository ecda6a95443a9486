package dev.xpsr.spark;

import java.io.Serial;
import java.io.Serializable;

/**
 * One image of an upscale run, as the driver hands it to an executor.
 *
 * @param input          the image file (qualified URI), or the manifest's text when it cannot be resolved
 * @param relative       its path relative to the input folder or manifest root; names the output
 * @param output         the output PNG (qualified URI), or null when refused
 * @param seed           the image's seed
 * @param caption        the manifest's high-level prompt, or null
 * @param lowlevelPrompt the manifest's low-level prompt, or null
 * @param refusal        why the driver refused the image (bad manifest row, clashing output), or null
 */
record UpscaleItem(String input, String relative, String output, long seed, String caption, String lowlevelPrompt,
                   String refusal) implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    UpscaleItem withRefusal(String why) {
        return new UpscaleItem(input, relative, output, seed, caption, lowlevelPrompt, why);
    }

    UpscaleItem withOutput(String uri) {
        return new UpscaleItem(input, relative, uri, seed, caption, lowlevelPrompt, refusal);
    }
}
