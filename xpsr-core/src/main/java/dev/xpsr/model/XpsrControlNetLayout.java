package dev.xpsr.model;

import dev.xpsr.io.JsonConfig;
import dev.xpsr.io.ModelConfigException;
import dev.xpsr.nn.FusionMode;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The optional parts of an XPSR ControlNet, which the paper's ablations switch: how its blocks fuse the two
 * prompts ({@link FusionMode}), and its two groups of Degradation-Free heads — the pixel heads
 * {@code controlnet_cond_embedding.to_rgbs.*} ({@code return_rgbs}) and the latent heads
 * {@code conv_degradation.*}, {@code conv_degradation_mid.*} ({@code use_latent_pred}). A checkpoint's
 * {@code config.json} states its layout; {@link #check} holds the config against the weight file's keys, so a
 * config that does not belong to its weights is named by the key to fix rather than by hundreds of missing keys.
 *
 * @param fusion      the fusion mode of every down and mid attention slot
 * @param pixelHeads  whether the image encoder carries the pixel-space DFC heads
 * @param latentHeads whether the latent-space DFC heads are built
 */
public record XpsrControlNetLayout(FusionMode fusion, boolean pixelHeads, boolean latentHeads) {
    /** The released XPSR ControlNet: Semantic-Fusion Attention and both groups of heads. */
    public static final XpsrControlNetLayout XPSR = new XpsrControlNetLayout(FusionMode.PARALLEL, true, true);

    static final String FUSION_KEY = "xpsr_fusion";
    static final String LOWLEVEL_KEY = "use_lowlevel_prompt";
    static final String PIXEL_KEY = "return_rgbs";
    static final String LATENT_KEY = "use_latent_pred";
    private static final String PIXEL_PREFIX = "controlnet_cond_embedding.to_rgbs.";
    private static final String LATENT_PREFIX = "conv_degradation";

    /** The layout a ControlNet config asks for (XPSR's defaults for absent keys). */
    public static XpsrControlNetLayout of(JsonConfig config) {
        return new XpsrControlNetLayout(fusionOf(config), config.bool(PIXEL_KEY, true), config.bool(LATENT_KEY, true));
    }

    /**
     * The fusion mode of a config: {@code xpsr_fusion} (this project's key, for the ablations) when present, else
     * XPSR's {@code use_lowlevel_prompt} (true: Semantic-Fusion Attention; false: the high-level prompt only).
     */
    static FusionMode fusionOf(JsonConfig config) {
        if (config.has(FUSION_KEY)) {
            return FusionMode.parse(config.string(FUSION_KEY), config.source());
        }
        return config.bool(LOWLEVEL_KEY, true) ? FusionMode.PARALLEL : FusionMode.HIGH;
    }

    /**
     * The layout of {@code config}, checked against the keys of its weight file.
     *
     * @param weights what to name the weights by (usually the file)
     * @throws ModelConfigException naming the config file, the key, its value and the value the weights call for
     */
    public static XpsrControlNetLayout check(JsonConfig config, Collection<String> weightKeys, String weights) {
        XpsrControlNetLayout stated = of(config);
        List<String> problems = new ArrayList<>();
        Set<FusionMode> held = fusionsHeldBy(weightKeys);
        if (!held.contains(stated.fusion)) {
            String key = config.has(FUSION_KEY) ? FUSION_KEY : LOWLEVEL_KEY;
            problems.add("key '" + key + "' gives fusion " + stated.fusion.id() + ", but the weights hold the "
                    + "attention stacks of fusion " + names(held) + "; set '" + FUSION_KEY + "' to "
                    + names(held));
        }
        boolean pixel = weightKeys.stream().anyMatch(k -> k.startsWith(PIXEL_PREFIX));
        if (pixel != stated.pixelHeads) {
            problems.add(headProblem(PIXEL_KEY, stated.pixelHeads, PIXEL_PREFIX + "*"));
        }
        boolean latent = weightKeys.stream().anyMatch(k -> k.startsWith(LATENT_PREFIX));
        if (latent != stated.latentHeads) {
            problems.add(headProblem(LATENT_KEY, stated.latentHeads, LATENT_PREFIX + "*"));
        }
        if (!problems.isEmpty()) {
            throw new ModelConfigException(config.source() + " does not describe the ControlNet weights in "
                    + weights + ": " + String.join("; ", problems));
        }
        return stated;
    }

    /** The fusion modes whose attention stacks are exactly those present ({@code high} and {@code low} look alike). */
    static Set<FusionMode> fusionsHeldBy(Collection<String> keys) {
        boolean connect = keys.stream().anyMatch(k -> k.contains(".attentions_connect."));
        boolean lowlevel = keys.stream().anyMatch(k -> k.contains(".attentions_lowlevel."));
        if (connect) {
            return EnumSet.of(FusionMode.PARALLEL);
        }
        return lowlevel ? EnumSet.of(FusionMode.SERIAL) : EnumSet.of(FusionMode.HIGH, FusionMode.LOW);
    }

    private static String headProblem(String key, boolean stated, String weights) {
        return "key '" + key + "' is " + stated + ", but the weights " + (stated ? "hold no " : "hold ") + weights
                + "; set it to " + !stated;
    }

    private static String names(Set<FusionMode> modes) {
        return String.join(" or ", modes.stream().map(FusionMode::id).toList());
    }

    /** E.g. {@code fusion parallel, pixel and latent DFC heads}: shown when a checkpoint is loaded. */
    public String describe() {
        String heads = pixelHeads && latentHeads ? "pixel and latent DFC heads"
                : pixelHeads ? "pixel DFC heads only" : latentHeads ? "latent DFC heads only" : "no DFC heads";
        return String.format(Locale.ROOT, "fusion %s, %s", fusion.id(), heads);
    }
}
