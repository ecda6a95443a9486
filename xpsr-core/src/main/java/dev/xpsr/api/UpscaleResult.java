package dev.xpsr.api;

import dev.xpsr.io.RgbImage;
import dev.xpsr.model.XpsrControlNetLayout;
import dev.xpsr.pipeline.UpscaleOptions;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A finished restoration.
 *
 * @param image     the restored image
 * @param method    the method that made it
 * @param prompts   the prompts used and their source (XPSR only)
 * @param options   the settings used (XPSR only; the baselines have none)
 * @param controlNet the XPSR ControlNet's fusion mode and heads (XPSR only)
 * @param placement the device and precision it ran on, e.g. {@code cpu fp32}
 * @param seconds   wall time of the restoration, queueing excluded
 */
public record UpscaleResult(RgbImage image, Method method, Optional<ResolvedPrompts> prompts,
                            Optional<UpscaleOptions> options, Optional<XpsrControlNetLayout> controlNet,
                            String placement, double seconds) {
    /**
     * The PNG text chunks that let anyone reproduce the output: software, method, prompts and their source, seed,
     * every setting (the prompt switches among them), the checkpoint's fusion mode, placement.
     */
    public Map<String, String> textChunks() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("Software", "xpsr-java");
        m.put("xpsr:method", method.id());
        prompts.ifPresent(p -> {
            m.put("xpsr:prompt", p.prompts().positive());
            m.put("xpsr:negative_prompt", p.prompts().negative());
            m.put("xpsr:lowlevel_prompt", p.prompts().lowlevel());
            m.put("xpsr:lowlevel_negative_prompt", p.prompts().lowlevelNegative());
            m.put("xpsr:prompt_source", p.source());
        });
        options.ifPresent(o -> {
            m.put("xpsr:seed", Long.toString(o.seed()));
            m.put("xpsr:settings", o.toString());
        });
        controlNet.ifPresent(c -> m.put("xpsr:fusion", c.fusion().id()));
        m.put("xpsr:placement", placement);
        return m;
    }
}
