package dev.xpsr.scheduler;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Creates schedulers by kind ({@code "ddpm"}, {@code "ddim"}, {@code "unipc"}, {@code "dpmpp-2m"}) or from a
 * diffusers {@code scheduler/} folder.
 *
 * <p>A folder's {@code _class_name} picks the class when no kind is given; SD-1.5 ships a
 * {@code PNDMScheduler} config, which XPSR's {@code test.py} loads into {@code DDPMScheduler}, so that name maps
 * to DDPM as well.
 */
public final class Schedulers {
    /** The file name diffusers stores a scheduler config under. */
    public static final String CONFIG_FILE = "scheduler_config.json";
    private static final List<String> KINDS = Arrays.stream(Sampler.values()).map(Sampler::id).toList();

    private Schedulers() {
    }

    /**
     * A new scheduler of the given kind.
     *
     * @throws IllegalArgumentException for an unknown kind or an invalid config value
     */
    public static Scheduler create(String kind, SchedulerConfig config) {
        Sampler sampler;
        try {
            sampler = Sampler.parse(kind);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("scheduler kind '" + kind + "' is not supported; valid "
                    + "choices: " + String.join(", ", KINDS));
        }
        return sampler.create(config);
    }

    /**
     * Reads {@code <schedulerDir>/scheduler_config.json} and builds a scheduler from it.
     *
     * @param kindOverrideOrNull {@code "ddpm"|"ddim"|"unipc"|"dpmpp-2m"}, or {@code null} to follow the file's
     *                           {@code _class_name}
     * @throws IllegalArgumentException when the file is malformed or names no supported class and no kind is given
     */
    public static Scheduler fromFolder(Path schedulerDir, String kindOverrideOrNull) {
        Path file = schedulerDir.resolve(CONFIG_FILE);
        SchedulerConfig config = SchedulerConfig.read(file);
        String kind = kindOverrideOrNull != null ? kindOverrideOrNull : kindOf(config, file);
        try {
            return create(kind, config);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** The kind a diffusers class name stands for. */
    static String kindOf(SchedulerConfig config, Path file) {
        String name = config.className().orElseThrow(() -> new IllegalArgumentException(file
                + ": key '_class_name' is missing; pass a scheduler kind (" + String.join(", ", KINDS) + ")"));
        return switch (name) {
            case "DDPMScheduler", "PNDMScheduler" -> "ddpm";
            case "DDIMScheduler" -> "ddim";
            case "UniPCMultistepScheduler" -> "unipc";
            case "DPMSolverMultistepScheduler" -> "dpmpp-2m";
            default -> throw new IllegalArgumentException(file + ": key '_class_name' value '" + name
                    + "' is not supported; valid choices: DDPMScheduler, DDIMScheduler, UniPCMultistepScheduler, "
                    + "DPMSolverMultistepScheduler, "
                    + "PNDMScheduler (loaded as DDPM), or pass a scheduler kind");
        };
    }
}
