package dev.xpsr.api;

import java.util.Arrays;

/** The restoration methods an {@link Upscaler} can run, in report order (the baselines, then XPSR). */
public enum Method {
    /** Pillow's bicubic resize (a = −0.5), bit-exact. */
    BICUBIC_PIL("bicubic-pil", "Pillow 9.4 bicubic resize (a = -0.5)"),
    /** MATLAB's {@code imresize} bicubic, the "Bicubic" of SR papers. */
    BICUBIC_MATLAB("bicubic-matlab", "MATLAB imresize bicubic (the SR papers' 'Bicubic')"),
    /** The small RDN of the npm package {@code @upscalerjs/esrgan-slim}. */
    RDN_SLIM("rdn-slim", "RDN of @upscalerjs/esrgan-slim@1.0.0 (TF.js weights on libtorch)"),
    /** The medium RDN of the npm package {@code @upscalerjs/esrgan-medium}. */
    RDN_MEDIUM("rdn-medium", "RDN of @upscalerjs/esrgan-medium@1.0.0 (TF.js weights on libtorch)"),
    /** Real-ESRGAN x4plus (RRDBNet) from its ncnn files. */
    REALESRGAN_X4PLUS("realesrgan-x4plus", "Real-ESRGAN x4plus (RRDBNet), ncnn weights on libtorch"),
    /** XPSR: Stable Diffusion 1.5 with XPSR's ControlNet and pixel attentions, guided by two prompts. */
    XPSR("xpsr", "XPSR (SD 1.5 + XPSR ControlNet, semantic and quality prompts)");

    private final String id;
    private final String description;

    Method(String id, String description) {
        this.id = id;
        this.description = description;
    }

    /** The name used on the command line, in reports and in file names, e.g. {@code realesrgan-x4plus}. */
    public String id() {
        return id;
    }

    /** One line saying what the method is. */
    public String description() {
        return description;
    }

    /** Whether the method is a plain interpolation (any integer scale, no weights). */
    public boolean isInterpolation() {
        return this == BICUBIC_PIL || this == BICUBIC_MATLAB;
    }

    /** The method named {@code id} (any case). */
    public static Method parse(String id) {
        for (Method m : values()) {
            if (m.id.equalsIgnoreCase(id == null ? "" : id.trim())) {
                return m;
            }
        }
        throw new IllegalArgumentException("method must be one of " + String.join(", ",
                Arrays.stream(values()).map(Method::id).toList()) + ", got '" + id + "'");
    }
}
