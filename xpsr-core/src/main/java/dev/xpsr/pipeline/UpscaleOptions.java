package dev.xpsr.pipeline;

import dev.xpsr.scheduler.Sampler;

import java.io.Serializable;
import java.util.Locale;
import java.util.Objects;

/**
 * The settings of one restoration, immutable, built by {@link #builder()} (or changed through {@link #toBuilder()})
 * with XPSR's inference defaults ({@code configs/xpsr_test.yaml} and {@code test.py}): 20 DDPM steps, guidance 4.5
 * (the paper's 5.5 is an option), conditioning scale 1, start from the noised LR latent re-noised at level 800,
 * AdaIN colour fix, process size 512, ×4 (or an explicit output size), latent tiles of 320 with overlap 8 above that
 * size, and the VAE tiled as {@code test.py} installs it (encoder tiles of 1024 pixels, decoder tiles of 224 latent
 * pixels, GroupNorm
 * statistics shared across tiles), and both prompts and both negative prompts in use. {@link Settings#options}
 * checks every value and names the field and its allowed range when one is out of it. Serializable, so that batch
 * engines (Spark) can ship one value to their workers.
 *
 * <p>The prompt switches serve the paper's ablations: {@link #usesHighlevelPrompt()} false empties the caption
 * (the added prompt stays), {@link #usesLowlevelPrompt()} false runs the networks without a low-level context (the
 * official classes' path when {@code lowlevel_encoder_hidden_states} is None: the ControlNet's fusion branch is
 * skipped), {@link #usesNegativePrompts()} false makes both unconditional texts empty, as diffusers does without a
 * {@code negative_prompt}. A guidance scale of 1 or less runs no classifier-free guidance at all (the conditional
 * half alone, as {@code do_classifier_free_guidance = guidance_scale > 1}).
 */
public final class UpscaleOptions implements Serializable {
    private static final long serialVersionUID = 1L;

    /** XPSR's released inference settings. */
    public static final UpscaleOptions DEFAULTS = builder().build();

    /** The guidance scale the paper states (the code uses {@link #DEFAULTS}' 4.5). */
    public static final double PAPER_GUIDANCE = 5.5;

    private final int steps;
    private final double guidance;
    private final double conditioningScale;
    private final int addedNoiseLevel;
    private final boolean startFromNoise;
    private final Sampler sampler;
    private final ColorFixMode colorFix;
    private final int upscale;
    private final OutputSize outputSize;
    private final int processSize;
    private final int latentTileSize;
    private final int latentTileOverlap;
    private final long seed;
    private final TiledVae.Options vaeTiles;
    private final boolean highlevelPrompt;
    private final boolean lowlevelPrompt;
    private final boolean negativePrompts;

    private UpscaleOptions(Settings<?> s) {
        require(s.steps >= 1 && s.steps <= 1000, "steps", s.steps, "between 1 and 1000");
        require(s.guidance >= 0 && Double.isFinite(s.guidance), "guidance", s.guidance, "a finite number >= 0");
        require(s.conditioningScale >= 0 && Double.isFinite(s.conditioningScale), "conditioningScale",
                s.conditioningScale, "a finite number >= 0");
        require(s.addedNoiseLevel >= 0 && s.addedNoiseLevel < 1000, "addedNoiseLevel", s.addedNoiseLevel,
                "in [0, 999]");
        require(s.upscale >= 1, "upscale", s.upscale, "at least 1");
        require(s.processSize >= 8, "processSize", s.processSize, "at least 8");
        require(s.latentTileSize >= 8, "latentTileSize", s.latentTileSize, "at least 8");
        require(s.latentTileOverlap >= 0 && s.latentTileOverlap < s.latentTileSize, "latentTileOverlap",
                s.latentTileOverlap, "in [0, latentTileSize)");
        this.steps = s.steps;
        this.guidance = s.guidance;
        this.conditioningScale = s.conditioningScale;
        this.addedNoiseLevel = s.addedNoiseLevel;
        this.startFromNoise = s.startFromNoise;
        this.sampler = Objects.requireNonNull(s.sampler, "sampler");
        this.colorFix = Objects.requireNonNull(s.colorFix, "colorFix");
        this.upscale = s.upscale;
        this.outputSize = s.outputSize;
        this.processSize = s.processSize;
        this.latentTileSize = s.latentTileSize;
        this.latentTileOverlap = s.latentTileOverlap;
        this.seed = s.seed;
        this.vaeTiles = Objects.requireNonNull(s.vaeTiles, "vaeTiles");
        this.highlevelPrompt = s.highlevelPrompt;
        this.lowlevelPrompt = s.lowlevelPrompt;
        this.negativePrompts = s.negativePrompts;
    }

    /** A builder holding {@link #DEFAULTS}. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these settings. */
    public Builder toBuilder() {
        return new Builder().from(this);
    }

    /** Denoising steps. */
    public int steps() {
        return steps;
    }

    /** Classifier-free guidance scale. */
    public double guidance() {
        return guidance;
    }

    /**
     * Whether classifier-free guidance runs ({@code guidance > 1}, diffusers' {@code do_classifier_free_guidance}):
     * otherwise the networks see the conditional prompts alone and the negative prompts are not used.
     */
    public boolean classifierFreeGuidance() {
        return guidance > 1.0;
    }

    /** ControlNet residual multiplier. */
    public double conditioningScale() {
        return conditioningScale;
    }

    /** Timestep at which the noised LR latent is noised again ({@code added_noise_level}). */
    public int addedNoiseLevel() {
        return addedNoiseLevel;
    }

    /** Start from pure noise instead of the LR latent ({@code init_latent_with_noise}). */
    public boolean startFromNoise() {
        return startFromNoise;
    }

    public Sampler sampler() {
        return sampler;
    }

    /** Colour correction of the output against the upscaled LR. */
    public ColorFixMode colorFix() {
        return colorFix;
    }

    /** Scale factor ({@code test.py}'s integer {@code upscale}; 1 restores at the input's size). */
    public int upscale() {
        return upscale;
    }

    /** An explicit output size that takes the place of {@link #upscale()}·(w, h), or null. */
    public OutputSize outputSize() {
        return outputSize;
    }

    /** The shorter side is raised to this before diffusion. */
    public int processSize() {
        return processSize;
    }

    /** Latent tile side; tiling is used when h·w exceeds its square. */
    public int latentTileSize() {
        return latentTileSize;
    }

    /** Overlap of neighbouring latent tiles. */
    public int latentTileOverlap() {
        return latentTileOverlap;
    }

    /** Seed of the one generator every random draw comes from. */
    public long seed() {
        return seed;
    }

    /** Tiling of the VAE encoder and decoder ({@link TiledVae.Options#UNTILED} for none). */
    public TiledVae.Options vaeTiles() {
        return vaeTiles;
    }

    /** Whether the caption is used (false: an empty caption; the added prompt stays). */
    public boolean usesHighlevelPrompt() {
        return highlevelPrompt;
    }

    /** Whether the networks get a low-level context (false: the path the official code takes without one). */
    public boolean usesLowlevelPrompt() {
        return lowlevelPrompt;
    }

    /** Whether the unconditional half uses the negative prompts (false: both empty). */
    public boolean usesNegativePrompts() {
        return negativePrompts;
    }

    /** Every setting as {@code name=value}, in a stable order: recorded in outputs to reproduce them. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "steps=%d, guidance=%s, conditioningScale=%s, addedNoiseLevel=%d, "
                        + "startFromNoise=%s, sampler=%s, colorFix=%s, upscale=%d, outputSize=%s, processSize=%d, "
                        + "latentTileSize=%d, latentTileOverlap=%d, seed=%d, vaeTiles=%s, highlevelPrompt=%s, "
                        + "lowlevelPrompt=%s, negativePrompts=%s", steps, guidance, conditioningScale,
                addedNoiseLevel, startFromNoise, sampler.id(), colorFix.name().toLowerCase(Locale.ROOT), upscale,
                outputSize == null ? "none" : outputSize, processSize, latentTileSize, latentTileOverlap, seed,
                vaeTiles, onOff(highlevelPrompt), onOff(lowlevelPrompt), onOff(negativePrompts));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UpscaleOptions other && toString().equals(other.toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    private static String onOff(boolean on) {
        return on ? "on" : "off";
    }

    private static void require(boolean ok, String field, Object value, String expected) {
        if (!ok) {
            throw new IllegalArgumentException(field + " must be " + expected + ", got " + value);
        }
    }

    /**
     * The setters of every option, shared by {@link Builder} and the builders of requests that carry options
     * (the type parameter is the concrete builder, so chained calls keep its type).
     */
    public abstract static class Settings<B extends Settings<B>> {
        private int steps = 20;
        private double guidance = 4.5;
        private double conditioningScale = 1.0;
        private int addedNoiseLevel = 800;
        private boolean startFromNoise;
        private Sampler sampler = Sampler.DDPM;
        private ColorFixMode colorFix = ColorFixMode.ADAIN;
        private int upscale = 4;
        private OutputSize outputSize;
        private int processSize = 512;
        private int latentTileSize = 320;
        private int latentTileOverlap = 8;
        private long seed = 42;
        private TiledVae.Options vaeTiles = TiledVae.Options.XPSR;
        private boolean highlevelPrompt = true;
        private boolean lowlevelPrompt = true;
        private boolean negativePrompts = true;

        protected abstract B self();

        /** Copies every setting of {@code o}. */
        public B from(UpscaleOptions o) {
            steps = o.steps;
            guidance = o.guidance;
            conditioningScale = o.conditioningScale;
            addedNoiseLevel = o.addedNoiseLevel;
            startFromNoise = o.startFromNoise;
            sampler = o.sampler;
            colorFix = o.colorFix;
            upscale = o.upscale;
            outputSize = o.outputSize;
            processSize = o.processSize;
            latentTileSize = o.latentTileSize;
            latentTileOverlap = o.latentTileOverlap;
            seed = o.seed;
            vaeTiles = o.vaeTiles;
            highlevelPrompt = o.highlevelPrompt;
            lowlevelPrompt = o.lowlevelPrompt;
            negativePrompts = o.negativePrompts;
            return self();
        }

        public B steps(int v) {
            steps = v;
            return self();
        }

        public B guidance(double v) {
            guidance = v;
            return self();
        }

        public B conditioningScale(double v) {
            conditioningScale = v;
            return self();
        }

        public B addedNoiseLevel(int v) {
            addedNoiseLevel = v;
            return self();
        }

        public B startFromNoise(boolean v) {
            startFromNoise = v;
            return self();
        }

        public B sampler(Sampler v) {
            sampler = v;
            return self();
        }

        public B colorFix(ColorFixMode v) {
            colorFix = v;
            return self();
        }

        public B upscale(int v) {
            upscale = v;
            return self();
        }

        /** The output size in place of {@code upscale}·(w, h); null (the default) to scale. */
        public B outputSize(OutputSize v) {
            outputSize = v;
            return self();
        }

        public B processSize(int v) {
            processSize = v;
            return self();
        }

        /** Latent tile side and the overlap of neighbouring tiles. */
        public B latentTiles(int size, int overlap) {
            latentTileSize = size;
            latentTileOverlap = overlap;
            return self();
        }

        public B seed(long v) {
            seed = v;
            return self();
        }

        public B vaeTiles(TiledVae.Options v) {
            vaeTiles = v;
            return self();
        }

        /** False: the caption is empty, as for an empty prompt file (the paper's "no high-level prompt"). */
        public B useHighlevelPrompt(boolean v) {
            highlevelPrompt = v;
            return self();
        }

        /** False: no low-level context reaches the networks (the paper's "no low-level prompt"). */
        public B useLowlevelPrompt(boolean v) {
            lowlevelPrompt = v;
            return self();
        }

        /** False: both negative prompts are empty. */
        public B useNegativePrompts(boolean v) {
            negativePrompts = v;
            return self();
        }

        /**
         * The options set so far.
         *
         * @throws IllegalArgumentException naming the first field out of its range
         */
        public UpscaleOptions options() {
            return new UpscaleOptions(this);
        }
    }

    /** Builds {@link UpscaleOptions}. */
    public static final class Builder extends Settings<Builder> {
        private Builder() {
        }

        @Override
        protected Builder self() {
            return this;
        }

        /** @throws IllegalArgumentException naming the first field out of its range */
        public UpscaleOptions build() {
            return options();
        }
    }
}
