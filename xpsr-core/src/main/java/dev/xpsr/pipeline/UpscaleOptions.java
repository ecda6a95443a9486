package dev.xpsr.pipeline;

import java.util.Locale;

/**
 * The settings of one restoration, with XPSR's inference defaults ({@code configs/xpsr_test.yaml} and
 * {@code test.py}): 20 DDPM steps, guidance 4.5 (the paper's 5.5 is an option), conditioning scale 1,
 * start from the noised LR latent re-noised at level 800, AdaIN colour fix, process size 512, ×4, latent tiles
 * of 320 with overlap 8 above that size, and the VAE tiled as {@code test.py} installs it (encoder tiles of 1024
 * pixels, decoder tiles of 224 latent pixels, GroupNorm statistics shared across tiles).
 *
 * @param steps             denoising steps
 * @param guidance          classifier-free guidance scale
 * @param conditioningScale ControlNet residual multiplier
 * @param addedNoiseLevel   timestep at which the noised LR latent is noised again ({@code added_noise_level})
 * @param startFromNoise    start from pure noise instead of the LR latent ({@code init_latent_with_noise})
 * @param sampler           {@code ddpm}, {@code ddim} or {@code unipc}
 * @param colorFix          colour correction of the output against the upscaled LR
 * @param upscale           scale factor
 * @param processSize       the shorter side is raised to this before diffusion
 * @param latentTileSize    latent tile side; tiling is used when h·w exceeds its square
 * @param latentTileOverlap overlap of neighbouring latent tiles
 * @param seed              seed of the one generator every random draw comes from
 * @param vaeTiles          tiling of the VAE encoder and decoder ({@link TiledVae.Options#UNTILED} for none)
 */
public record UpscaleOptions(int steps, double guidance, double conditioningScale, int addedNoiseLevel,
                             boolean startFromNoise, String sampler, ColorFixMode colorFix, int upscale,
                             int processSize, int latentTileSize, int latentTileOverlap, long seed,
                             TiledVae.Options vaeTiles) {

    /** XPSR's released inference settings. */
    public static final UpscaleOptions DEFAULTS = new UpscaleOptions(20, 4.5, 1.0, 800, false, "ddpm",
            ColorFixMode.ADAIN, 4, 512, 320, 8, 42, TiledVae.Options.XPSR);

    /** The guidance scale the paper states (the code uses {@link #DEFAULTS}' 4.5). */
    public static final double PAPER_GUIDANCE = 5.5;

    public UpscaleOptions {
        require(steps >= 1 && steps <= 1000, "steps", steps, "between 1 and 1000");
        require(guidance >= 0, "guidance", guidance, "at least 0");
        require(conditioningScale >= 0, "conditioning scale", conditioningScale, "at least 0");
        require(addedNoiseLevel >= 0 && addedNoiseLevel < 1000, "added noise level", addedNoiseLevel, "in [0, 999]");
        sampler = sampler.toLowerCase(Locale.ROOT);
        require(sampler.equals("ddpm") || sampler.equals("ddim") || sampler.equals("unipc"), "sampler", sampler,
                "ddpm, ddim or unipc");
        require(upscale >= 1, "upscale", upscale, "at least 1");
        require(processSize >= 8, "process size", processSize, "at least 8");
        require(latentTileSize >= 8, "latent tile size", latentTileSize, "at least 8");
        require(latentTileOverlap >= 0 && latentTileOverlap < latentTileSize, "latent tile overlap",
                latentTileOverlap, "in [0, tile size)");
        java.util.Objects.requireNonNull(vaeTiles, "vaeTiles");
    }

    public UpscaleOptions withSteps(int v) {
        return new UpscaleOptions(v, guidance, conditioningScale, addedNoiseLevel, startFromNoise, sampler, colorFix,
                upscale, processSize, latentTileSize, latentTileOverlap, seed, vaeTiles);
    }

    public UpscaleOptions withGuidance(double v) {
        return new UpscaleOptions(steps, v, conditioningScale, addedNoiseLevel, startFromNoise, sampler, colorFix,
                upscale, processSize, latentTileSize, latentTileOverlap, seed, vaeTiles);
    }

    public UpscaleOptions withConditioningScale(double v) {
        return new UpscaleOptions(steps, guidance, v, addedNoiseLevel, startFromNoise, sampler, colorFix, upscale,
                processSize, latentTileSize, latentTileOverlap, seed, vaeTiles);
    }

    public UpscaleOptions withAddedNoiseLevel(int v) {
        return new UpscaleOptions(steps, guidance, conditioningScale, v, startFromNoise, sampler, colorFix, upscale,
                processSize, latentTileSize, latentTileOverlap, seed, vaeTiles);
    }

    public UpscaleOptions withStartFromNoise(boolean v) {
        return new UpscaleOptions(steps, guidance, conditioningScale, addedNoiseLevel, v, sampler, colorFix, upscale,
                processSize, latentTileSize, latentTileOverlap, seed, vaeTiles);
    }

    public UpscaleOptions withSampler(String v) {
        return new UpscaleOptions(steps, guidance, conditioningScale, addedNoiseLevel, startFromNoise, v, colorFix,
                upscale, processSize, latentTileSize, latentTileOverlap, seed, vaeTiles);
    }

    public UpscaleOptions withColorFix(ColorFixMode v) {
        return new UpscaleOptions(steps, guidance, conditioningScale, addedNoiseLevel, startFromNoise, sampler, v,
                upscale, processSize, latentTileSize, latentTileOverlap, seed, vaeTiles);
    }

    public UpscaleOptions withProcessSize(int v) {
        return new UpscaleOptions(steps, guidance, conditioningScale, addedNoiseLevel, startFromNoise, sampler,
                colorFix, upscale, v, latentTileSize, latentTileOverlap, seed, vaeTiles);
    }

    public UpscaleOptions withLatentTiles(int size, int overlap) {
        return new UpscaleOptions(steps, guidance, conditioningScale, addedNoiseLevel, startFromNoise, sampler,
                colorFix, upscale, processSize, size, overlap, seed, vaeTiles);
    }

    public UpscaleOptions withSeed(long v) {
        return new UpscaleOptions(steps, guidance, conditioningScale, addedNoiseLevel, startFromNoise, sampler,
                colorFix, upscale, processSize, latentTileSize, latentTileOverlap, v, vaeTiles);
    }

    public UpscaleOptions withVaeTiles(TiledVae.Options v) {
        return new UpscaleOptions(steps, guidance, conditioningScale, addedNoiseLevel, startFromNoise, sampler,
                colorFix, upscale, processSize, latentTileSize, latentTileOverlap, seed, v);
    }

    private static void require(boolean ok, String what, Object value, String expected) {
        if (!ok) {
            throw new IllegalArgumentException(what + " must be " + expected + ", got " + value);
        }
    }
}
