package dev.xpsr.api;

import dev.xpsr.io.RgbImage;
import dev.xpsr.pipeline.Prompts;
import dev.xpsr.pipeline.UpscaleOptions;
import dev.xpsr.pipeline.XpsrPrompts;

import java.util.Objects;
import java.util.Optional;

/**
 * One restoration to run: the image, how to prompt it, the settings and who to tell about progress. Immutable;
 * built by {@link #builder(RgbImage)}, whose option setters are those of {@link UpscaleOptions} (steps, guidance,
 * sampler, seed, colour fix, scale, tiles, ...) with XPSR's defaults.
 *
 * <p>Prompts, for XPSR (the baselines take none): {@link Builder#prompts} gives all four texts as they are;
 * otherwise the caption and the low-level description each come from {@link Builder#caption} /
 * {@link Builder#lowlevelPrompt} when set, else from the {@link Upscaler}'s prompt sources (asked with
 * {@link #name()}), and the positive prompt is the caption plus {@link Builder#addedPrompt}. The prompt switches
 * ({@code useHighlevelPrompt}, {@code useLowlevelPrompt}, {@code useNegativePrompts}) leave a switched-off prompt
 * unasked and empty.
 */
public final class UpscaleRequest {
    private final RgbImage image;
    private final String name;
    private final Prompts prompts;
    private final String caption;
    private final String lowlevelPrompt;
    private final String addedPrompt;
    private final String negativePrompt;
    private final String lowlevelNegativePrompt;
    private final UpscaleOptions options;
    private final ProgressListener listener;
    private final int previewEvery;

    private UpscaleRequest(Builder b) {
        UpscaleOptions options = b.options();
        if (b.prompts != null && !options.usesHighlevelPrompt()) {
            throw new IllegalArgumentException("useHighlevelPrompt(false) empties the caption, which prompts(...) "
                    + "does not hold apart from the added prompt; give the positive prompt without the caption");
        }
        this.image = b.image;
        this.name = b.name;
        this.prompts = b.prompts;
        this.caption = b.caption;
        this.lowlevelPrompt = b.lowlevelPrompt;
        this.addedPrompt = b.addedPrompt;
        this.negativePrompt = b.negativePrompt;
        this.lowlevelNegativePrompt = b.lowlevelNegativePrompt;
        this.options = options;
        this.listener = b.listener;
        this.previewEvery = b.previewEvery;
    }

    /** A request to restore {@code image}, with XPSR's default settings. */
    public static Builder builder(RgbImage image) {
        return new Builder(image);
    }

    /** A builder holding this request's values. */
    public Builder toBuilder() {
        Builder b = new Builder(image).name(name).addedPrompt(addedPrompt).negativePrompt(negativePrompt)
                .lowlevelNegativePrompt(lowlevelNegativePrompt).listener(listener).previewEvery(previewEvery)
                .from(options);
        b.prompts = prompts;
        b.caption = caption;
        b.lowlevelPrompt = lowlevelPrompt;
        return b;
    }

    public RgbImage image() {
        return image;
    }

    /** The image's name: what prompt folders and servers are asked with, and what errors name. */
    public String name() {
        return name;
    }

    /** All four prompts, when given as they are. */
    public Optional<Prompts> prompts() {
        return Optional.ofNullable(prompts);
    }

    /** The high-level caption, when given. */
    public Optional<String> caption() {
        return Optional.ofNullable(caption);
    }

    /** The low-level description, when given. */
    public Optional<String> lowlevelPrompt() {
        return Optional.ofNullable(lowlevelPrompt);
    }

    /** Appended to the caption after a space. */
    public String addedPrompt() {
        return addedPrompt;
    }

    public String negativePrompt() {
        return negativePrompt;
    }

    public String lowlevelNegativePrompt() {
        return lowlevelNegativePrompt;
    }

    public UpscaleOptions options() {
        return options;
    }

    public ProgressListener listener() {
        return listener;
    }

    /** A preview image comes with every {@code previewEvery}-th step and the last (0: no previews). */
    public int previewEvery() {
        return previewEvery;
    }

    /** Builds {@link UpscaleRequest}; option setters come from {@link UpscaleOptions.Settings}. */
    public static final class Builder extends UpscaleOptions.Settings<Builder> {
        private final RgbImage image;
        private String name = "image";
        private Prompts prompts;
        private String caption;
        private String lowlevelPrompt;
        private String addedPrompt = XpsrPrompts.ADDED_PROMPT;
        private String negativePrompt = XpsrPrompts.NEGATIVE_PROMPT;
        private String lowlevelNegativePrompt = XpsrPrompts.LOWLEVEL_NEGATIVE_PROMPT;
        private ProgressListener listener = ProgressListener.NONE;
        private int previewEvery;

        private Builder(RgbImage image) {
            this.image = Objects.requireNonNull(image, "image");
        }

        @Override
        protected Builder self() {
            return this;
        }

        /** The image's name (default {@code image}). */
        public Builder name(String v) {
            name = requireText(v, "name");
            return this;
        }

        /** All four prompts as they are (caption, added prompt and negatives are then not used). */
        public Builder prompts(Prompts v) {
            prompts = Objects.requireNonNull(v, "prompts");
            return this;
        }

        /** The high-level caption (content, objects, scene). */
        public Builder caption(String v) {
            caption = Objects.requireNonNull(v, "caption");
            return this;
        }

        /** The low-level description (blur, noise, colour, lighting). */
        public Builder lowlevelPrompt(String v) {
            lowlevelPrompt = Objects.requireNonNull(v, "lowlevelPrompt");
            return this;
        }

        public Builder addedPrompt(String v) {
            addedPrompt = Objects.requireNonNull(v, "addedPrompt");
            return this;
        }

        public Builder negativePrompt(String v) {
            negativePrompt = Objects.requireNonNull(v, "negativePrompt");
            return this;
        }

        public Builder lowlevelNegativePrompt(String v) {
            lowlevelNegativePrompt = Objects.requireNonNull(v, "lowlevelNegativePrompt");
            return this;
        }

        /** Told of each stage and step (called on the worker thread; keep it short). */
        public Builder listener(ProgressListener v) {
            listener = Objects.requireNonNull(v, "listener");
            return this;
        }

        /** A preview with every {@code k}-th step and the last; 0 (the default) for none. */
        public Builder previewEvery(int k) {
            if (k < 0) {
                throw new IllegalArgumentException("previewEvery must be at least 0, got " + k);
            }
            previewEvery = k;
            return this;
        }

        /** @throws IllegalArgumentException naming the first field out of its range */
        public UpscaleRequest build() {
            return new UpscaleRequest(this);
        }

        private static String requireText(String v, String field) {
            if (v == null || v.isBlank()) {
                throw new IllegalArgumentException(field + " must be a non-empty text, got '" + v + "'");
            }
            return v;
        }
    }
}
