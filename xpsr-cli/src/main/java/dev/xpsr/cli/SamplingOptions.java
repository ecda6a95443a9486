package dev.xpsr.cli;

import dev.xpsr.pipeline.ColorFixMode;
import dev.xpsr.pipeline.OutputSize;
import dev.xpsr.pipeline.UpscaleOptions;
import dev.xpsr.scheduler.Sampler;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The settings of an XPSR restoration, with XPSR's released defaults ({@link UpscaleOptions#DEFAULTS}). */
final class SamplingOptions {
    @Option(names = "--steps", defaultValue = "20", description = "Denoising steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--guidance", defaultValue = "4.5",
            description = "Classifier-free guidance scale; the paper states 5.5 (default: ${DEFAULT-VALUE}, XPSR's code).")
    double guidance;

    @Option(names = "--conditioning-scale", defaultValue = "1.0", description = "ControlNet strength (default: ${DEFAULT-VALUE}).")
    double conditioningScale;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of every random draw (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--added-noise", defaultValue = "800",
            description = "Timestep at which the LR latent is re-noised (default: ${DEFAULT-VALUE}).")
    int addedNoise;

    @Option(names = "--start-from-noise", description = "Start from pure noise instead of the noised LR latent.")
    boolean startFromNoise;

    @Option(names = "--sampler", defaultValue = "ddpm", description = "ddpm, ddim, unipc or dpmpp-2m (DPM-Solver++ "
            + "2M, a fast mode for fewer steps, see docs/PERFORMANCE.md) (default: ${DEFAULT-VALUE}).")
    String sampler;

    @Option(names = "--color-fix", defaultValue = "adain", description = "adain, wavelet or none (default: ${DEFAULT-VALUE}).")
    String colorFix;

    @Option(names = "--scale", defaultValue = "4",
            description = "Integer scale factor, at least 1 (test.py's upscale); 1 restores without enlarging, as "
                    + "XPSR's validation config (default: ${DEFAULT-VALUE}).")
    int scale;

    @Option(names = "--size", paramLabel = "WxH",
            description = "Output size in pixels instead of --scale (XPSR only), e.g. 1920x1080; the input is "
                    + "resized to it before diffusion and the result to it after.")
    String size;

    @Option(names = "--process-size", defaultValue = "512",
            description = "Shorter side the scaled input is raised to before diffusion when it is smaller; the "
                    + "result is brought back to the output size (default: ${DEFAULT-VALUE}).")
    int processSize;

    @Option(names = "--tile", defaultValue = "320",
            description = "Latent tile side; tiling is used above its area (default: ${DEFAULT-VALUE}).")
    int tile;

    @Option(names = "--tile-overlap", defaultValue = "8", description = "Latent tile overlap (default: ${DEFAULT-VALUE}).")
    int tileOverlap;

    @Mixin
    VaeTilingOptions vaeTiling;

    /**
     * The settings; an invalid value fails naming it.
     *
     * @throws IllegalArgumentException naming the field and its range
     */
    UpscaleOptions options() {
        return UpscaleOptions.builder().steps(steps).guidance(guidance).conditioningScale(conditioningScale)
                .seed(seed).addedNoiseLevel(addedNoise).startFromNoise(startFromNoise).sampler(Sampler.parse(sampler))
                .colorFix(ColorFixMode.parse(colorFix)).upscale(scale)
                .outputSize(size == null ? null : OutputSize.parse(size)).processSize(processSize)
                .latentTiles(tile, tileOverlap)
                .vaeTiles(vaeTiling.toOptions()).build();
    }
}
