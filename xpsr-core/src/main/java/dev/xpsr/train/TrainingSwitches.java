package dev.xpsr.train;

import dev.xpsr.model.XpsrControlNetLayout;
import dev.xpsr.nn.FusionMode;
import dev.xpsr.pipeline.XpsrPrompts;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The switches of a training run that the paper's ablations turn (docs/ABLATIONS.md), each a config key whose
 * default is XPSR's own training:
 * <ul>
 *   <li>{@code fusion}: how the ControlNet built from the base model's UNet fuses the two prompts
 *       ({@link FusionMode});</li>
 *   <li>{@code dfc_pixel}, {@code dfc_latent}: whether the pixel and the latent Degradation-Free heads are built
 *       (and so trained, saved and in the loss), {@code dfc_pixel_weight}, {@code dfc_latent_weight} their λ
 *       (default {@code dfc_weight});</li>
 *   <li>{@code lowlevel_prompt_source}: {@code caption} (the low-level prompt file), {@code empty} (the empty
 *       string through CLIP) or {@code none} (no low-level context at all, the official networks' path without
 *       one); the high-level counterpart is {@code highlevel_prompt_source};</li>
 *   <li>{@code negative_sample_ratio}: the share of samples trained as negative samples — the degraded image as
 *       the diffusion target under the two negative prompts ({@code negative_prompt},
 *       {@code lowlevel_negative_prompt}, by default the texts inference uses for the unconditional half), so that
 *       the unconditional branch of classifier-free guidance learns what the negative prompts describe.</li>
 * </ul>
 */
public record TrainingSwitches(FusionMode fusion, boolean pixelDfc, boolean latentDfc, double pixelDfcWeight,
                               double latentDfcWeight, String lowlevelPromptSource, double negativeSampleRatio,
                               String negativePrompt, String lowlevelNegativePrompt) {
    /** The config keys these switches are read from. */
    static final Set<String> KEYS = Set.of("fusion", "dfc_pixel", "dfc_latent", "dfc_pixel_weight",
            "dfc_latent_weight", "lowlevel_prompt_source", "negative_sample_ratio", "negative_prompt",
            "lowlevel_negative_prompt");
    /** {@code lowlevel_prompt_source} value: no low-level context reaches the networks. */
    public static final String NONE = "none";

    /** XPSR's own training: every switch at its default, both head groups weighted {@code dfcWeight}. */
    public static TrainingSwitches xpsr(double dfcWeight) {
        return new TrainingSwitches(FusionMode.PARALLEL, true, true, dfcWeight, dfcWeight, TrainConfig.CAPTION, 0.0,
                XpsrPrompts.NEGATIVE_PROMPT, XpsrPrompts.LOWLEVEL_NEGATIVE_PROMPT);
    }

    /** Reads the switches; {@code dfcWeight} is the λ both head groups default to. */
    static TrainingSwitches read(ConfigValues v, double dfcWeight) {
        List<String> modes = Arrays.stream(FusionMode.values()).map(FusionMode::id).toList();
        FusionMode fusion = FusionMode.valueOf(v.choice("fusion", FusionMode.PARALLEL.id(), modes)
                .toUpperCase(Locale.ROOT));
        return new TrainingSwitches(fusion, v.bool("dfc_pixel", true), v.bool("dfc_latent", true),
                v.nonNegative("dfc_pixel_weight", dfcWeight), v.nonNegative("dfc_latent_weight", dfcWeight),
                v.choice("lowlevel_prompt_source", TrainConfig.CAPTION,
                        List.of(TrainConfig.CAPTION, TrainConfig.EMPTY, NONE)),
                v.fraction("negative_sample_ratio", 0.0), v.string("negative_prompt", XpsrPrompts.NEGATIVE_PROMPT),
                v.string("lowlevel_negative_prompt", XpsrPrompts.LOWLEVEL_NEGATIVE_PROMPT));
    }

    /** The ControlNet these switches build: the fusion mode and the heads that are on. */
    public XpsrControlNetLayout layout() {
        return new XpsrControlNetLayout(fusion, pixelDfc, latentDfc);
    }

    /** Whether the networks get a low-level context ({@code lowlevel_prompt_source} is not {@code none}). */
    public boolean usesLowlevelContext() {
        return !lowlevelPromptSource.equals(NONE);
    }
}
